"""Fixtures for end-to-end runs: seeded objects, manifests and job files on disk."""

from __future__ import annotations

import json
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest


def seed_objects(s3, bucket: str, keys: list[str]) -> None:
    """Put one small object per key."""
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda key: s3.put_object(Bucket=bucket, Key=key, Body=b"data"), keys))


def write_manifest(path: Path, bucket: str, keys: list[str]) -> Path:
    """A CSV manifest with URL-encoded keys, as AWS writes them."""
    path.write_text("".join(f"{bucket},{urllib.parse.quote_plus(k, safe='/')}\n" for k in keys), encoding="utf-8")
    return path


def job_document(manifest: Path, report_dir: Path | None, operation: dict | None = None, **extra) -> dict:
    """A CreateJob document over a local manifest, reporting to a local directory."""
    report = (
        {"Enabled": True, "Bucket": f"file://{report_dir}", "Format": "Report_CSV_20180820",
         "Prefix": "reports", "ReportScope": "AllTasks"}
        if report_dir else {"Enabled": False}
    )  # fmt: skip
    return {
        "Operation": operation or {"S3PutObjectTagging": {"TagSet": [{"Key": "done", "Value": "yes"}]}},
        "Manifest": {
            "Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]},
            "Location": {"ObjectArn": f"file://{manifest}"},
        },
        "Report": report,
        "Priority": 10,
    } | extra


@pytest.fixture
def make_job(tmp_path, s3, bucket):
    """Seed objects, write their manifest and a job file; returns (job_path, keys)."""

    def make(count: int = 20, missing: tuple[str, ...] = (), name: str = "job", operation=None, **extra):
        keys = [f"folder/item {i:04d} ü%+.txt" for i in range(count)]
        seed_objects(s3, bucket, keys)
        manifest = write_manifest(tmp_path / f"{name}.csv", bucket, keys + list(missing))
        document = job_document(manifest, tmp_path / "reports", operation, **extra)
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(document), encoding="utf-8")
        return path, keys

    return make


@pytest.fixture
def fault_proxy(seaweed):
    """A fault-injecting proxy in front of SeaweedFS (fresh per test, stopped after it)."""
    from tests.integration.fault_proxy import FaultProxy

    proxy = FaultProxy(seaweed.endpoint_url, max_lifetime=600)
    yield proxy
    proxy.stop()


@pytest.fixture
def proxy_env(seaweed, fault_proxy, monkeypatch):
    """Point the AWS SDK (our CLI and engine) at SeaweedFS through the fault proxy."""
    for name, value in seaweed.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_ENDPOINT_URL", fault_proxy.url)
    return fault_proxy
