"""The built sdist and wheel hold the whole package, and the installed command works.

Everything here runs from a fresh virtual environment that has only the wheel and its
dependencies (see conftest.py), never from the source tree.
"""

from __future__ import annotations

import json
import tarfile
import time
import zipfile
from pathlib import Path

import pytest

from s3batch_tui import __version__
from s3batch_tui.serve_process import ACCOUNT, start_serve, write_credentials
from tests.installed.package import ROOT
from tests.integration.helpers import seed_objects, tagging_job, write_job, write_manifest

pytestmark = [pytest.mark.wheel, pytest.mark.xdist_group("installed"), pytest.mark.timeout(600)]

# One line per command whose help must work from the installed package (and what it prints).
COMMANDS = [
    (["--version"], f"s3batch-tui {__version__}"),
    (["--help"], "usage: s3batch-tui"),
    (["run", "--help"], "usage: s3batch-tui run"),
    (["job", "list", "--help"], "usage: s3batch-tui job list"),
    (["manifest", "validate", "--help"], "usage: s3batch-tui manifest validate"),
    (["report", "show", "--help"], "usage: s3batch-tui report show"),
    (["demo", "--help"], "usage: s3batch-tui demo"),
    (["serve", "--help"], "usage: s3batch-tui serve"),
    (["job", "tags", "--help"], "usage: s3batch-tui job tags"),
]


def package_files() -> set[str]:
    """Every file of the package in the source tree (modules, styles, anything added later)."""
    return {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "s3batch_tui").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


def test_wheel_holds_every_file_of_the_package(installed):
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    assert package_files() - names == set()
    assert "s3batch_tui/tui/styles/app.tcss" in names
    assert installed.wheel.name.startswith(f"s3batch_tui-{__version__}-")


def test_sdist_holds_the_package_examples_and_tests(installed):
    with tarfile.open(installed.sdist) as sdist:
        top = f"s3batch_tui-{__version__}/"
        names = {name.removeprefix(top) for name in sdist.getnames()}
    wanted = package_files() | {"pyproject.toml", "README.md", "LICENSE", "examples/put-object-copy.json",
                                "tests/installed/pilot_smoke.py"}  # fmt: skip
    assert wanted - names == set()


@pytest.mark.parametrize(("argv", "expected"), COMMANDS, ids=[" ".join(argv) for argv, _ in COMMANDS])
def test_command_line(installed, argv, expected):
    result = installed.run([str(installed.command), *argv])
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(expected)


def test_module_entry_point(installed):
    result = installed.run([str(installed.python), "-m", "s3batch_tui", "--version"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"s3batch-tui {__version__}"


def test_tui_jobs_screen_renders_a_stored_job(installed, tmp_path):
    home = tmp_path / "home"
    job = write_job(tmp_path / "job.json", tagging_job(tmp_path / "manifest.csv", tmp_path / "reports", ("k", "v"))
                    | {"Description": "installed smoke"})  # fmt: skip
    created = installed.run([str(installed.command), "--data-dir", str(home), "job", "create", str(job)])
    assert created.returncode == 0, created.stderr
    result = installed.run([str(installed.python), str(Path(__file__).with_name("pilot_smoke.py")), str(home)])
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["package"].startswith(str(installed.venv))  # the installed copy, not the source tree
    assert seen["screen"] == "JobsScreen"
    assert seen["style_rules"] > 0
    (row,) = seen["rows"]
    assert created.stdout.strip()[:8] in row[0] and "New" in row and "installed smoke" in row


def test_run_tags_objects_on_seaweedfs(installed, seaweed, s3, bucket, tmp_path):
    keys = seed_objects(s3, bucket, ["plain.txt", "with space.txt", "café/ünï+code.txt"])
    job = write_job(tmp_path / "job.json", tagging_job(write_manifest_path(tmp_path, bucket, keys),
                                                       tmp_path / "reports", ("from", "wheel")))  # fmt: skip
    result = installed.run([str(installed.command), "run", str(job)], env=seaweed.env(), timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Status: Complete" in result.stdout
    assert "Tasks: 3 total, 3 succeeded, 0 failed" in result.stdout
    for key in keys:
        assert s3.get_object_tagging(Bucket=bucket, Key=key)["TagSet"] == [{"Key": "from", "Value": "wheel"}]
    assert list((tmp_path / "reports").rglob("manifest.json"))


def test_serve_runs_a_job_created_through_the_s3control_api(installed, seaweed, s3, bucket, tmp_path):
    keys = seed_objects(s3, bucket, ["a.txt", "b c.txt"])
    manifest = write_manifest_path(tmp_path, bucket, keys)
    served = start_serve(tmp_path / "served", seaweed, write_credentials(tmp_path / "credentials"),
                         python=str(installed.python))  # fmt: skip
    try:
        control = served.client()
        job = tagging_job(manifest, tmp_path / "reports", ("via", "serve")) | {"AccountId": ACCOUNT, "Priority": 1,
              "RoleArn": "arn:aws:iam::000000000000:role/batch", "ConfirmationRequired": False}  # fmt: skip
        job["Manifest"]["Location"]["ETag"] = "unused-for-local-files"
        job_id = control.create_job(**job)["JobId"]
        deadline = time.monotonic() + 60
        while (status := control.describe_job(AccountId=ACCOUNT, JobId=job_id)["Job"]["Status"]) != "Complete":
            assert status not in ("Failed", "Cancelled") and time.monotonic() < deadline, status
            time.sleep(0.2)
    finally:
        served.stop()
    for key in keys:
        assert s3.get_object_tagging(Bucket=bucket, Key=key)["TagSet"] == [{"Key": "via", "Value": "serve"}]


def test_demo_without_its_extra_says_what_to_install(installed, tmp_path):
    result = installed.run([str(installed.command), "--data-dir", str(tmp_path / "home"), "demo", "--headless"])
    assert result.returncode == 2
    assert "pip install 's3batch-tui[demo]'" in result.stderr
    assert "Traceback" not in result.stderr


def write_manifest_path(directory: Path, bucket: str, keys: list[str]) -> Path:
    """A manifest of `keys` in `directory`; returns its path."""
    path = directory / "manifest.csv"
    write_manifest(path, bucket, keys)
    return path
