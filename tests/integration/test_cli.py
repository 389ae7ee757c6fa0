"""The command line end to end, in process, against a real SeaweedFS."""

from __future__ import annotations

import hashlib
import json

import pytest

from s3batch_tui.cli import main
from s3batch_tui.core.report import open_report


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def show(capsys, job_id: str) -> dict:
    code, out, _ = run_cli(capsys, "job", "show", job_id, "--json")
    assert code == 0
    return json.loads(out)["Job"]


def tags(s3, bucket, key) -> list[dict]:
    return s3.get_object_tagging(Bucket=bucket, Key=key)["TagSet"]


def test_run_tags_every_object_prints_the_id_first_and_exits_zero(server_env, capsys, make_job, s3, bucket):
    job_path, keys = make_job(25)
    code, out, err = run_cli(capsys, "run", str(job_path))
    job_id = out.splitlines()[0]
    assert code == 0, err
    assert len(job_id) == 36 and "Status: Complete" in out
    assert "25/25 done, 0 failed" in err
    assert all(tags(s3, bucket, key) == [{"Key": "done", "Value": "yes"}] for key in keys)
    job = show(capsys, job_id)
    assert job["Status"] == "Complete"
    assert job["ProgressSummary"]["TotalNumberOfTasks"] == 25
    assert job["ProgressSummary"]["NumberOfTasksSucceeded"] == 25
    assert [h["Status"] for h in job["Local"]["StatusHistory"]] == [
        "New", "Preparing", "Ready", "Active", "Completing", "Complete",
    ]  # fmt: skip
    rows = list(open_report(job["Local"]["ReportLocation"]).rows())
    assert sorted(r.decoded_key for r in rows) == sorted(keys)
    assert {r.task_status for r in rows} == {"succeeded"}


def test_failed_tasks_make_exit_code_one_and_are_in_the_report(server_env, capsys, make_job):
    job_path, _ = make_job(5, missing=("folder/gone.txt",))
    code, out, _ = run_cli(capsys, "run", str(job_path))
    assert code == 1
    job = show(capsys, out.splitlines()[0])
    assert job["ProgressSummary"]["NumberOfTasksFailed"] == 1
    assert job["Local"]["FailedTasksByErrorCode"] == {"NoSuchKey": 1}
    code, out, _ = run_cli(capsys, "report", "show", job["JobId"][:8], "--failed")
    assert code == 0
    assert "Tasks: 6 (5 succeeded, 1 failed)" in out
    assert "s3://" in out and "folder/gone.txt: 404 NoSuchKey" in out


def test_a_bad_job_file_exits_two_and_writes_nothing(server_env, capsys, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"Operation": {"S3PutObjectTagging": {"TagSet": [{"Key": "k"}]}}, "Report": {"Enabled": False}}))
    code, out, err = run_cli(capsys, "run", str(bad))
    assert code == 2 and out == ""
    assert "Operation.S3PutObjectTagging.TagSet[0].Value: required member is missing" in err
    assert not (tmp_path / "home").exists()


def test_a_bad_flag_exits_two_before_anything_is_stored(server_env, capsys, make_job, tmp_path):
    job_path, _ = make_job(1)
    code, out, err = run_cli(capsys, "run", str(job_path), "--rate", "-5")
    assert code == 2 and out == ""
    assert "command line options: LocalOptions.MaxOperationsPerSecond: Input should be greater than 0" in err
    assert not (tmp_path / "home").exists()


def test_a_malformed_manifest_fails_the_job_in_preparing_and_touches_nothing(server_env, capsys, make_job, s3, bucket, tmp_path):
    job_path, keys = make_job(3)
    manifest = tmp_path / "job.csv"
    manifest.write_text(manifest.read_text() + f"{bucket},ok-key,extra,column\n")
    code, out, err = run_cli(capsys, "run", str(job_path))
    assert code == 2
    job = show(capsys, out.splitlines()[0])
    assert job["Status"] == "Failed"
    (reason,) = job["FailureReasons"]
    assert "line 4" in reason["FailureReason"] and str(manifest) in reason["FailureReason"]
    assert "Local" in job and "ReportLocation" not in job["Local"]
    assert all(tags(s3, bucket, key) == [] for key in keys)


def test_create_then_run_and_list(server_env, capsys, make_job):
    job_path, _ = make_job(4, Description="listed job")
    code, out, _ = run_cli(capsys, "job", "create", str(job_path))
    job_id = out.strip()
    assert code == 0 and len(job_id) == 36
    assert show(capsys, job_id)["Status"] == "New"
    code, out, _ = run_cli(capsys, "job", "run", job_id[:6])
    assert code == 0 and "Status: Complete" in out
    code, out, _ = run_cli(capsys, "job", "list", "--json")
    (listed,) = json.loads(out)["Jobs"]
    assert listed["JobId"] == job_id and listed["Description"] == "listed job"
    assert listed["Operation"] == "S3PutObjectTagging" and listed["Status"] == "Complete"
    code, out, _ = run_cli(capsys, "job", "list")
    assert job_id[:8] in out and "4/4" in out


def test_control_of_an_ended_job_is_refused(server_env, capsys, make_job):
    job_path, _ = make_job(2)
    _, out, _ = run_cli(capsys, "run", str(job_path))
    job_id = out.splitlines()[0]
    for action in ("pause", "resume", "cancel", "confirm"):
        code, _, err = run_cli(capsys, "job", action, job_id)
        assert code == 2 and "has already ended" in err
    code, _, err = run_cli(capsys, "job", "priority", job_id, "5")
    assert code == 2 and "cannot change" in err


def test_priority_can_change_before_running(server_env, capsys, make_job):
    job_path, _ = make_job(1)
    _, out, _ = run_cli(capsys, "job", "create", str(job_path))
    job_id = out.strip()
    assert run_cli(capsys, "job", "priority", job_id, "77")[0] == 0
    assert show(capsys, job_id)["Priority"] == 77
    code, _, err = run_cli(capsys, "job", "priority", job_id, "-1")
    assert code == 2 and "between 0 and 2147483647" in err


def test_unknown_job_ids_are_bad_input(server_env, capsys):
    code, _, err = run_cli(capsys, "job", "show", "nope")
    assert code == 2 and "no job with id 'nope'" in err


def test_failure_threshold_fails_the_job(server_env, capsys, make_job):
    missing = tuple(f"missing/{i}" for i in range(12))
    job_path, _ = make_job(2, missing=missing)
    code, out, _ = run_cli(capsys, "run", str(job_path), "--failure-min-tasks", "10", "--workers", "1")
    assert code == 1
    job = show(capsys, out.splitlines()[0])
    assert job["Status"] == "Failed"
    assert job["FailureReasons"][0]["FailureCode"] == "FailureThresholdExceeded"
    assert "more than the 50% allowed once 10 tasks have run" in job["FailureReasons"][0]["FailureReason"]
    assert job["Local"]["ReportLocation"]


def test_retry_failed_creates_a_job_over_exactly_the_failed_tasks(server_env, capsys, make_job, s3, bucket):
    missing = ("later/one.txt", "later/two ü.txt")
    job_path, _ = make_job(3, missing=missing)
    _, out, _ = run_cli(capsys, "run", str(job_path))
    first = out.splitlines()[0]
    for key in missing:
        s3.put_object(Bucket=bucket, Key=key, Body=b"now here")
    code, out, _ = run_cli(capsys, "job", "retry-failed", first)
    retry_id = out.strip()
    assert code == 0 and len(retry_id) == 36
    retry = show(capsys, retry_id)
    assert retry["Description"] == f"Retry of 2 failed tasks of job {first}"
    code, _, _ = run_cli(capsys, "job", "run", retry_id)
    assert code == 0
    assert show(capsys, retry_id)["ProgressSummary"]["NumberOfTasksSucceeded"] == 2
    assert all(tags(s3, bucket, key) == [{"Key": "done", "Value": "yes"}] for key in missing)
    code, _, err = run_cli(capsys, "job", "retry-failed", retry_id)
    assert code == 2 and "has no failed tasks" in err


def test_manifest_validate_counts_tasks_and_lists_errors(server_env, capsys, tmp_path, s3, bucket):
    good = tmp_path / "good.csv"
    good.write_text(f"{bucket},a\n{bucket},b%20c\n")
    code, out, _ = run_cli(capsys, "manifest", "validate", str(good))
    assert code == 0 and "S3BatchOperations_CSV_20180820: valid, 2 tasks" in out
    bad = tmp_path / "bad.csv"
    bad.write_text(f"{bucket},a\n\n{bucket},%zz\n")
    code, out, _ = run_cli(capsys, "manifest", "validate", str(bad))
    assert code == 2
    assert "line 2" in out and "line 3" in out
    s3.put_object(Bucket=bucket, Key="manifests/m.csv", Body=good.read_bytes())
    code, out, _ = run_cli(capsys, "manifest", "validate", f"s3://{bucket}/manifests/m.csv")
    assert code == 0 and ": valid, 2 tasks" in out
    code, _, err = run_cli(capsys, "manifest", "validate", str(tmp_path / "absent.csv"))
    assert code == 2 and "no such file" in err


def test_report_to_an_s3_bucket_and_manifest_from_s3(server_env, capsys, make_job, s3, bucket, tmp_path):
    job_path, keys = make_job(6)
    manifest = tmp_path / "job.csv"
    put = s3.put_object(Bucket=bucket, Key="in/manifest.csv", Body=manifest.read_bytes())
    document = json.loads(job_path.read_text())
    document["Manifest"]["Location"] = {"ObjectArn": f"arn:aws:s3:::{bucket}/in/manifest.csv", "ETag": put["ETag"]}
    document["Report"] = {"Enabled": True, "Bucket": f"arn:aws:s3:::{bucket}", "Format": "Report_CSV_20180820",
                          "Prefix": "out", "ReportScope": "FailedTasksOnly"}  # fmt: skip
    job_path.write_text(json.dumps(document))
    code, out, _ = run_cli(capsys, "run", str(job_path))
    assert code == 0
    job = show(capsys, out.splitlines()[0])
    assert job["Local"]["ReportLocation"] == f"s3://{bucket}/out/job-{job['JobId']}/manifest.json"
    assert job["Local"]["ManifestIdentity"]["etag"] == put["ETag"].strip('"')
    code, out, _ = run_cli(capsys, "report", "show", job["Local"]["ReportLocation"])
    assert code == 0 and "Tasks: 0 (0 succeeded, 0 failed)" in out


def test_a_changed_s3_manifest_etag_fails_preparing(server_env, capsys, make_job, s3, bucket, tmp_path):
    job_path, _ = make_job(2)
    s3.put_object(Bucket=bucket, Key="in/m.csv", Body=(tmp_path / "job.csv").read_bytes())
    document = json.loads(job_path.read_text())
    document["Manifest"]["Location"] = {"ObjectArn": f"arn:aws:s3:::{bucket}/in/m.csv", "ETag": "0" * 32}
    job_path.write_text(json.dumps(document))
    code, out, _ = run_cli(capsys, "run", str(job_path))
    assert code == 2
    reason = show(capsys, out.splitlines()[0])["FailureReasons"][0]["FailureReason"]
    assert "0" * 32 in reason and "ETag" in reason


@pytest.mark.parametrize("argv", [["job"], ["manifest"], ["report"]])
def test_missing_subcommands_are_usage_errors(capsys, argv):
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2


def test_explicit_endpoint_flag_works_without_aws_endpoint_url(seaweed, monkeypatch, capsys, make_job):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", seaweed.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", seaweed.secret_key)
    job_path, _ = make_job(3)
    code, out, err = run_cli(capsys, "--endpoint-url", seaweed.endpoint_url, "--region", "us-east-1", "run", str(job_path))
    assert code == 0, err
    assert "3 succeeded" in out


def test_credentials_never_reach_the_store_or_the_report(server_env, capsys, make_job, tmp_path):
    job_path, _ = make_job(3, missing=("absent",))
    _, out, _ = run_cli(capsys, "run", str(job_path))
    job = show(capsys, out.splitlines()[0])
    manifest_bytes = (tmp_path / "job.csv").read_bytes()
    assert job["Local"]["ManifestIdentity"]["sha256"] == hashlib.sha256(manifest_bytes).hexdigest()
    secret = server_env.secret_key.encode()
    written = [p for root in (tmp_path / "home", tmp_path / "reports") for p in root.rglob("*") if p.is_file()]
    assert any(p.name == "jobs.sqlite3" for p in written) and any(p.suffix == ".csv" for p in written)
    assert not [p for p in written if secret in p.read_bytes()]
