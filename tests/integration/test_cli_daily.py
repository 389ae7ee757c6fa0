"""The command line as a daily user meets it: flags anywhere, honest output, rows, history."""

from __future__ import annotations

import json

import pytest

from s3batch_tui.cli import main
from tests.integration.conftest import make_job  # noqa: F401 - a fixture


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_global_flags_work_after_the_subcommand(capsys, tmp_path, monkeypatch):
    monkeypatch.delenv("S3BATCH_TUI_HOME")
    elsewhere = tmp_path / "elsewhere"
    code, out, err = run_cli(capsys, "job", "list", "--data-dir", str(elsewhere), "--region", "eu-west-1")
    assert code == 0, err
    assert "No jobs yet" in out and (elsewhere / "jobs.sqlite3").exists()
    code, _, err = run_cli(capsys, "--data-dir", str(elsewhere), "job", "show", "nope")
    assert code == 2 and "no job with id 'nope'" in err  # before the command: the same store


def test_a_flag_after_the_command_wins_over_the_same_flag_before(capsys, tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    run_cli(capsys, "--data-dir", str(first), "job", "list", "--data-dir", str(second))
    assert (second / "jobs.sqlite3").exists() and not (first / "jobs.sqlite3").exists()


def test_a_misspelt_operation_gets_a_suggestion(capsys, tmp_path):
    job = tmp_path / "job.json"
    job.write_text(json.dumps({
        "Operation": {"S3PutObjectTaging": {"TagSet": []}}, "Report": {"Enabled": False},
        "Manifest": {"Spec": {"Format": "S3BatchOperations_CSV_20180820"},
                     "Location": {"ObjectArn": f"file://{tmp_path / 'm.csv'}"}},
    }))  # fmt: skip
    code, _, err = run_cli(capsys, "job", "create", str(job))
    assert code == 2
    assert "Operation.S3PutObjectTaging: unknown member" in err and "did you mean S3PutObjectTagging?" in err
    job.write_text(job.read_text().replace("S3PutObjectTaging", "S3PutObjectTagging").replace('"Report"', '"Reprot"'))
    _, _, err = run_cli(capsys, "job", "create", str(job))
    assert "did you mean Report?" in err


def test_manifest_validate_prints_the_errors_before_the_verdict(capsys, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("photos,a.jpg\nphotos,b.jpg,v1,extra\n")
    code, out, _ = run_cli(capsys, "manifest", "validate", str(bad))
    lines = out.splitlines()
    assert code == 2
    assert lines[0].startswith("error: ") and "not valid, 1 error; 1 good row read" in lines[-1]
    assert "1 task" not in out


def test_manifest_validate_and_the_wizard_name_the_same_column(capsys, tmp_path):
    from s3batch_tui.core.browse import inspect_manifest, scan_manifest

    bad = tmp_path / "bad.csv"
    bad.write_text("photos,a.jpg\nphotos,b.jpg,v1,extra\n")
    _, out, _ = run_cli(capsys, "manifest", "validate", str(bad))
    inspection = inspect_manifest(f"file://{bad}", None)  # what the wizard does with the same file
    [wizard_error] = scan_manifest(inspection.manifest, None).errors
    assert f"error: {wizard_error}" in out.splitlines()


def test_report_rows_failed_and_limit(server_env, capsys, make_job):  # noqa: F811
    job_path, _ = make_job(4, missing=("gone-1", "gone-2"))
    code, out, _ = run_cli(capsys, "run", str(job_path))
    job_id = out.splitlines()[0]
    _, out, err = run_cli(capsys, "report", "show", job_id, "--rows")
    assert out.count("  succeeded ") == 4 and out.count("  failed ") == 2
    _, out, _ = run_cli(capsys, "report", "show", job_id, "--failed")
    assert "Failed tasks:" in out and out.count("404 NoSuchKey") == 2 and "succeeded " not in out.split("Failed")[1]
    _, out, _ = run_cli(capsys, "report", "show", job_id, "--rows", "--limit", "1")
    assert out.count("s3://") == 1 and "showing the first 1 row" in out
    code, _, err = run_cli(capsys, "report", "show", job_id, "--limit", "-1")
    assert code == 2 and "--limit" in err


def test_report_failed_without_failures_says_so(server_env, capsys, make_job):  # noqa: F811
    job_path, _ = make_job(2)
    _, out, err = run_cli(capsys, "run", str(job_path))
    final = err.splitlines()[-1]
    assert final.endswith(" done, 0 failed in 0s") and "ETA" not in final  # the final line: the time it took
    _, out, _ = run_cli(capsys, "report", "show", out.splitlines()[0], "--failed")
    assert "No failed tasks." in out and "Failed tasks:" not in out


def test_job_delete_and_prune(server_env, capsys, make_job, tmp_path):  # noqa: F811
    job_path, _ = make_job(2)
    ids = [run_cli(capsys, "run", str(job_path))[1].splitlines()[0] for _ in range(2)]
    new_id = run_cli(capsys, "job", "create", str(job_path))[1].strip()
    report = next((tmp_path / "reports").rglob("manifest.json"))
    staging = tmp_path / "home" / "jobs" / ids[0]
    assert staging.exists()
    code, out, _ = run_cli(capsys, "job", "delete", ids[0][:8])
    assert code == 0 and f"deleted {ids[0]}" in out and not staging.exists() and report.exists()
    code, _, err = run_cli(capsys, "job", "delete", ids[1], "nosuchid")
    assert code == 2 and "nosuchid" in err  # nothing deleted: every id is checked first
    _, out, _ = run_cli(capsys, "job", "prune", "--before", "2999-01-01", "--dry-run")
    assert f"would delete {ids[1]}" in out and "would delete 1 job " in out
    _, out, _ = run_cli(capsys, "job", "prune", "--before", "2999-01-01")
    assert "deleted 1 job " in out
    _, out, _ = run_cli(capsys, "job", "list")
    assert new_id[:8] in out and ids[1][:8] not in out


@pytest.mark.parametrize("argv", [["job", "prune"], ["job", "delete"]])
def test_history_commands_need_their_arguments(capsys, argv):
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2
