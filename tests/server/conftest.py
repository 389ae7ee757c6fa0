"""Fixtures for `s3batch-tui serve`: a real server process on a free loopback port.

The server runs its jobs against the session's SeaweedFS; clients are boto3's own
`s3control` client and the AWS CLI, over real HTTP.
"""

from __future__ import annotations

import json
import uuid
import time
from pathlib import Path

import pytest

from s3batch_tui.serve_process import ACCOUNT, ServeProcess, start_serve, write_credentials
from tests.integration.helpers import seed_objects, write_manifest

THROTTLED_RATE = 2
"""Requests per second the `throttled` server answers."""


@pytest.fixture(scope="module")
def served(tmp_path_factory, seaweed) -> ServeProcess:
    """One server per test module, on its own data dir."""
    root = tmp_path_factory.mktemp("serve")
    server = start_serve(root / "data", seaweed, write_credentials(root / "credentials"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def served_s3_keys(tmp_path_factory, seaweed) -> ServeProcess:
    """A server that accepts SeaweedFS's key: the CLI's one credential chain serves S3 and S3 Control."""
    root = tmp_path_factory.mktemp("serve-s3-keys")
    credentials = write_credentials(root / "credentials", seaweed.access_key, seaweed.secret_key)
    server = start_serve(root / "data", seaweed, credentials)
    yield server
    server.stop()


@pytest.fixture
def proxy(served_s3_keys):
    """The fault proxy (tests/integration/fault_proxy.py) in front of `served_s3_keys`, fresh per test."""
    from tests.integration.fault_proxy import FaultProxy

    faults = FaultProxy(served_s3_keys.endpoint_url, max_lifetime=300)
    yield faults
    faults.stop()


@pytest.fixture(scope="session")
def throttled(tmp_path_factory, seaweed) -> ServeProcess:
    """A server answering at most THROTTLED_RATE requests per second (one per `serve` xdist group)."""
    root = tmp_path_factory.mktemp("serve-throttled")
    server = start_serve(root / "data", seaweed, write_credentials(root / "credentials"),
                         extra=["--max-requests-per-second", str(THROTTLED_RATE)])  # fmt: skip
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


def s3_manifest_job(s3, bucket: str, **overrides) -> dict:
    """A job file's content: tag one object, its manifest in S3, waiting for confirmation."""
    s3.put_object(Bucket=bucket, Key="a.txt", Body=b"x")
    s3.put_object(Bucket=bucket, Key="manifest.csv", Body=f"{bucket},a.txt\n".encode())
    etag = s3.head_object(Bucket=bucket, Key="manifest.csv")["ETag"].strip('"')
    return {
        "Operation": {"S3PutObjectTagging": {"TagSet": [{"Key": "k", "Value": "v"}]}},
        "Manifest": {"Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]},
                     "Location": {"ObjectArn": f"arn:aws:s3:::{bucket}/manifest.csv", "ETag": etag}},
        "Report": {"Enabled": True, "Bucket": f"arn:aws:s3:::{bucket}", "Format": "Report_CSV_20180820",
                   "ReportScope": "AllTasks", "Prefix": "reports"},
        "Priority": 5,
        "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/batch",
        "ConfirmationRequired": True,
        "Description": f"job {uuid.uuid4().hex[:8]}",
    } | overrides  # fmt: skip


def write_request(path: Path, request: dict) -> Path:
    """A `--cli-input-json` file."""
    path.write_text(json.dumps(request), encoding="utf-8")
    return path


@pytest.fixture
def job_waiter(served_s3_keys, seaweed):
    """`wait(job_id, statuses=ended) -> Job`: DescribeJob on one boto3 client until the job's status is in `statuses`."""
    client = served_s3_keys.client(seaweed.access_key, seaweed.secret_key)

    def wait(job_id: str, statuses=("Complete", "Failed", "Cancelled"), timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        while (job := client.describe_job(AccountId=ACCOUNT, JobId=job_id)["Job"])["Status"] not in statuses:
            assert time.monotonic() < deadline, f"job stayed {job['Status']}, expected {statuses}"
            time.sleep(0.1)
        return job

    return wait
