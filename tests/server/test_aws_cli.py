"""The AWS CLI (v1, the `awscli` package) against `s3batch-tui serve`: the issue's "done when"."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from s3batch_tui.serve_process import ACCOUNT
from tests.server.conftest import write_request
from tests.server.test_api import wait_status

pytestmark = pytest.mark.xdist_group("serve")

AWS = str(Path(sys.executable).with_name("aws"))


def aws(served, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """`aws s3control ARGS --endpoint-url ...` with the server's key, through the server as proxy."""
    command = [AWS, "s3control", *args, "--endpoint-url", served.endpoint_url, "--output", "json"]
    env = os.environ | served.cli_env()
    return subprocess.run(command, capture_output=True, text=True, timeout=120, env=env, check=check)


def describe(served, job_id: str) -> dict:
    return json.loads(aws(served, "describe-job", "--account-id", ACCOUNT, "--job-id", job_id).stdout)["Job"]


def test_create_describe_list_and_confirm_with_the_aws_cli(served, control, job_request, tmp_path, s3, bucket):
    job_file = write_request(tmp_path / "job.json", job_request(6, ConfirmationRequired=True, Description="from aws"))
    created = aws(served, "create-job", "--cli-input-json", f"file://{job_file}")
    job_id = json.loads(created.stdout)["JobId"]

    job = describe(served, job_id)
    assert job["JobId"] == job_id and job["Description"] == "from aws"
    assert job["Status"] in ("New", "Preparing", "Suspended")
    listed = json.loads(aws(served, "list-jobs", "--account-id", ACCOUNT, "--job-statuses", "Suspended", "New",
                            "Preparing").stdout)["Jobs"]  # fmt: skip
    assert job_id in [j["JobId"] for j in listed]

    wait_status(control, job_id, ("Suspended",))  # polled with boto3: each CLI start costs a second
    updated = json.loads(aws(served, "update-job-status", "--account-id", ACCOUNT, "--job-id", job_id,
                             "--requested-job-status", "Ready").stdout)  # fmt: skip
    assert updated["Status"] == "Ready"
    wait_status(control, job_id, ("Complete", "Failed", "Cancelled"))
    job = describe(served, job_id)
    assert job["Status"] == "Complete"
    assert job["ProgressSummary"]["NumberOfTasksSucceeded"] == 6
    assert s3.get_object_tagging(Bucket=bucket, Key="obj 0005.txt")["TagSet"] == [{"Key": "served", "Value": "yes"}]

    shown = subprocess.run([sys.executable, "-m", "s3batch_tui", "--data-dir", str(served.data_dir), "job", "list"],
                           capture_output=True, text=True, timeout=60, check=True)  # fmt: skip
    assert job_id[:8] in shown.stdout


def test_aws_cli_errors_are_aws_errors(served):
    missing = aws(served, "describe-job", "--account-id", ACCOUNT, "--job-id", "00000-none", check=False)
    assert missing.returncode == 255  # AWS CLI v1: a service error
    assert "NotFoundException" in missing.stderr
    status = aws(served, "update-job-status", "--account-id", ACCOUNT, "--job-id", "00000-none",
                 "--requested-job-status", "Cancelled", check=False)  # fmt: skip
    assert "NotFoundException" in status.stderr
