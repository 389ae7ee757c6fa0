"""Fixtures for `s3batch-tui serve`: a real server process on a free loopback port.

The server runs its jobs against the session's SeaweedFS; clients are boto3's own
`s3control` client and the AWS CLI, over real HTTP.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from s3batch_tui.serve_process import ACCOUNT, ServeProcess, start_serve, write_credentials
from tests.integration.helpers import seed_objects, write_manifest


@pytest.fixture(scope="module")
def served(tmp_path_factory, seaweed) -> ServeProcess:
    """One server per test module, on its own data dir."""
    root = tmp_path_factory.mktemp("serve")
    server = start_serve(root / "data", seaweed, write_credentials(root / "credentials"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def served_with_s3_key(tmp_path_factory, seaweed) -> ServeProcess:
    """One server for the session that accepts SeaweedFS's key (one credential chain for S3 Control and S3).

    The `--backend aws` modules (submit, retry-failed, hand-over) share it.
    """
    root = tmp_path_factory.mktemp("serve-s3-key")
    credentials = write_credentials(root / "credentials", seaweed.access_key, seaweed.secret_key)
    server = start_serve(root / "data", seaweed, credentials)
    yield server
    server.stop()


@pytest.fixture
def control(served):
    """boto3's `s3control` client, signing with the server's key."""
    return served.client()


@pytest.fixture
def job_request(tmp_path, s3, bucket):
    """CreateJob parameters over `count` fresh objects: `make(count, **overrides)`."""

    def make(count: int = 5, **overrides) -> dict:
        keys = seed_objects(s3, bucket, [f"obj {i:04d}.txt" for i in range(count)])
        manifest = tmp_path / f"manifest-{count}-{len(list(tmp_path.iterdir()))}.csv"
        write_manifest(manifest, bucket, keys)
        return {
            "AccountId": ACCOUNT,
            "Operation": {"S3PutObjectTagging": {"TagSet": [{"Key": "served", "Value": "yes"}]}},
            "Manifest": {
                "Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]},
                "Location": {"ObjectArn": f"file://{manifest}", "ETag": "unused-for-local-files"},
            },
            "Report": {"Enabled": True, "Bucket": f"file://{tmp_path / 'reports'}", "Format": "Report_CSV_20180820",
                       "ReportScope": "AllTasks", "Prefix": "r"},
            "Priority": 10,
            "RoleArn": "arn:aws:iam::000000000000:role/batch",
            "ConfirmationRequired": False,
        } | overrides  # fmt: skip

    return make


def write_request(path: Path, request: dict) -> Path:
    """A `--cli-input-json` file."""
    path.write_text(json.dumps(request), encoding="utf-8")
    return path


@pytest.fixture
def job_waiter(served_with_s3_key, seaweed):
    """`wait(job_id, statuses=ended) -> Job`: DescribeJob on one boto3 client until the job's status is in `statuses`."""
    client = served_with_s3_key.client(seaweed.access_key, seaweed.secret_key)

    def wait(job_id: str, statuses=("Complete", "Failed", "Cancelled"), timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        while (job := client.describe_job(AccountId=ACCOUNT, JobId=job_id)["Job"])["Status"] not in statuses:
            assert time.monotonic() < deadline, f"job stayed {job['Status']}, expected {statuses}"
            time.sleep(0.1)
        return job

    return wait
