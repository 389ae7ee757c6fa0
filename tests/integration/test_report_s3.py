"""The completion report in a real S3 server (SeaweedFS): written in AWS layout, read back."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import pytest

from s3batch_tui.core.errors import InputError
from s3batch_tui.core.manifest.entry import ManifestEntry
from s3batch_tui.core.operations.base import SUCCESS, TaskOutcome
from s3batch_tui.core.report import REPORT_FORMAT, ReportStaging, open_report, write_report
from s3batch_tui.core.report.writer import result_name
from s3batch_tui.core.spec import JobReport

JOB_ID = "0c4a1f3e-2b7d-4e8a-9f10-5d6c7b8a9e01"


def staged(tmp_path, scope: str = "AllTasks") -> ReportStaging:
    staging = ReportStaging(tmp_path / "staging", scope)
    for ordinal in range(50):
        key = f"photos/img {ordinal}.jpg"
        entry = ManifestEntry(ordinal, "source", key, None, key.replace(" ", "+"))
        failed = TaskOutcome(False, 404, "NoSuchKey", "The specified key does not exist.")
        staging.append(entry, failed if ordinal % 10 == 0 else SUCCESS)
    return staging


def test_write_to_bucket_and_read_back(tmp_path, s3, bucket):
    report = JobReport(enabled=True, bucket=f"arn:aws:s3:::{bucket}", prefix="reports/nightly", report_scope="AllTasks")
    with staged(tmp_path) as staging:
        location = write_report(JOB_ID, report, staging, s3, now=datetime(2026, 1, 2, tzinfo=UTC))

    assert location == f"s3://{bucket}/reports/nightly/job-{JOB_ID}/manifest.json"
    manifest = json.loads(s3.get_object(Bucket=bucket, Key=f"reports/nightly/job-{JOB_ID}/manifest.json")["Body"].read())
    assert manifest["Format"] == REPORT_FORMAT and manifest["ReportCreationDate"] == "2026-01-02T00:00:00.000Z"
    assert [r["TaskExecutionStatus"] for r in manifest["Results"]] == ["succeeded", "failed"]
    for result in manifest["Results"]:
        assert result["Bucket"] == bucket
        assert result["Key"] == f"reports/nightly/job-{JOB_ID}/results/{result_name(JOB_ID, result['TaskExecutionStatus'])}"
        body = s3.get_object(Bucket=bucket, Key=result["Key"])["Body"].read()
        assert hashlib.md5(body).hexdigest() == result["MD5Checksum"]
        assert body == (tmp_path / "staging" / f"{result['TaskExecutionStatus']}.csv").read_bytes()

    for name in [location, f"s3://{bucket}/reports/nightly/", f"s3://{bucket}/reports/nightly/job-{JOB_ID}"]:
        summary = open_report(name, s3).summary()
        assert (summary.total, summary.succeeded, summary.failed) == (50, 45, 5), name
        assert summary.by_error_code == {"NoSuchKey": 5}
    rows = list(open_report(f"s3://{bucket}/{manifest['Results'][1]['Key']}", s3).rows())
    assert rows[0].key == "photos/img+0.jpg" and rows[0].decoded_key == "photos/img 0.jpg"
    assert rows[0].http_status == 404


def test_results_in_another_bucket(s3, bucket):
    elsewhere = f"{bucket}-results"
    s3.create_bucket(Bucket=elsewhere)
    s3.put_object(Bucket=elsewhere, Key="moved/r.csv", Body=b"b,k,,failed,403,AccessDenied,Access Denied\n")
    manifest = {
        "Format": REPORT_FORMAT,
        "ReportCreationDate": "2019-04-05T17:48:39.725Z",
        "Results": [{"TaskExecutionStatus": "failed", "Bucket": elsewhere, "MD5Checksum": "", "Key": "moved/r.csv"}],
        "ReportSchema": "Bucket, Key, VersionId, TaskStatus, ErrorCode, HTTPStatusCode, ResultMessage",
    }
    s3.put_object(Bucket=bucket, Key="job-x/manifest.json", Body=json.dumps(manifest).encode())
    report = open_report(f"s3://{bucket}/job-x/manifest.json", s3)
    assert [(r.key, r.error_code) for r in report.rows()] == [("k", "AccessDenied")]


def test_missing_objects_are_input_errors(s3, bucket):
    with pytest.raises(InputError, match="NoSuchKey"):
        open_report(f"s3://{bucket}/job-missing/manifest.json", s3)
    with pytest.raises(InputError, match="no manifest.json"):
        open_report(f"s3://{bucket}/nothing-here/", s3)


def test_large_report_goes_up_in_parts_and_streams_back(tmp_path, s3, bucket):
    # Above boto3's 8 MiB multipart threshold: the object's ETag is no MD5, ours still is.
    rows = 260_000
    with (tmp_path / "succeeded.csv").open("wb") as out:
        for ordinal in range(rows):
            out.write(b"src,key-%07d,,succeeded,200,,Successful\n" % ordinal)
    report = JobReport(enabled=True, bucket=f"arn:aws:s3:::{bucket}")
    location = write_report(JOB_ID, report, tmp_path, s3)
    (result,) = json.loads(s3.get_object(Bucket=bucket, Key=f"job-{JOB_ID}/manifest.json")["Body"].read())["Results"]
    assert result["MD5Checksum"] == hashlib.md5((tmp_path / "succeeded.csv").read_bytes()).hexdigest()
    assert s3.head_object(Bucket=bucket, Key=result["Key"])["ContentLength"] > 8 * 1024 * 1024
    assert open_report(location, s3).summary().total == rows
