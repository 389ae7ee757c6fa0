"""Start-up stays quick: each command imports only what it uses (checked in fresh interpreters)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("boto3", "pydantic", "textual", "s3batch_tui.core.engine.engine", "s3batch_tui.core.operations.registry")


def modules_after(code: str, env: dict[str, str] | None = None) -> set[str]:
    """The heavy modules a fresh interpreter holds after running `code`."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.splitlines()[-1]))


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["run", "--help"], ["job", "list", "--help"]])
def test_parsing_the_command_line_imports_nothing_heavy(argv):
    code = f"from s3batch_tui.cli import main\ntry:\n    main({argv!r})\nexcept SystemExit:\n    pass"
    assert modules_after(code) == set()


def test_job_list_needs_neither_boto3_nor_the_engine_nor_textual(tmp_path):
    code = "from s3batch_tui.cli import main\nmain(['job', 'list'])"
    env = {"S3BATCH_TUI_HOME": str(tmp_path), "PATH": ""}
    assert modules_after(code, env) == {"pydantic"}  # the store reads job specs


def test_commands_that_run_jobs_never_import_textual():
    assert "textual" not in modules_after("import s3batch_tui.cli.jobs, s3batch_tui.cli.looks")


def test_only_the_process_own_command_line_freezes_its_objects_for_a_quick_exit(tmp_path, capsys):
    import gc

    from s3batch_tui.cli import main

    before = gc.get_freeze_count()
    assert main(["--data-dir", str(tmp_path), "job", "list"]) == 0  # a caller's list: this process goes on
    assert gc.get_freeze_count() == before
    code = ("import gc, sys\nsys.argv = ['s3batch-tui', 'job', 'list']\nfrom s3batch_tui.cli import main\n"
            "main()\nprint(gc.get_freeze_count())")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                            env={"S3BATCH_TUI_HOME": str(tmp_path), "PATH": ""})
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.splitlines()[-1]) > 0


def test_run_imports_neither_textual_nor_the_dry_run(tmp_path):
    """A real `run` (a Python handler over a local manifest: no server needed) loads what running needs only."""
    (tmp_path / "handler.py").write_text(
        "def handler(event, context):\n"
        "    task = event['tasks'][0]\n"
        "    return {'results': [{'taskId': task['taskId'], 'resultCode': 'Succeeded', 'resultString': 'ok'}]}\n"
    )
    (tmp_path / "manifest.csv").write_text("bkt,a\nbkt,b\n")
    job = {
        "Operation": {"LambdaInvoke": {"FunctionArn": f"python:{tmp_path / 'handler.py'}:handler"}},
        "Manifest": {"Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]},
                     "Location": {"ObjectArn": f"file://{tmp_path / 'manifest.csv'}"}},
        "Report": {"Enabled": True, "Bucket": f"file://{tmp_path / 'reports'}", "Format": "Report_CSV_20180820",
                   "ReportScope": "AllTasks"},
        "Priority": 1,
    }  # fmt: skip
    (tmp_path / "job.json").write_text(json.dumps(job))
    unwanted = ("textual", "s3batch_tui.core.dry_run", "s3batch_tui.cli.dry_run")
    probe = (f"from s3batch_tui.cli import main\nassert main(['run', {str(tmp_path / 'job.json')!r}]) == 0\n"
             f"import json, sys\nprint(json.dumps(sorted(m for m in sys.modules if m.startswith({unwanted!r}))))")  # fmt: skip
    env = {"S3BATCH_TUI_HOME": str(tmp_path / "home"), "PATH": "", "AWS_ACCESS_KEY_ID": "x",
           "AWS_SECRET_ACCESS_KEY": "y"}  # fmt: skip
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 0, result.stderr
    assert "Status: Complete" in result.stdout and "2 succeeded" in result.stdout
    assert json.loads(result.stdout.splitlines()[-1]) == []
