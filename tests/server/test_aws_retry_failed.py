"""`job retry-failed` on `--backend aws`, against `s3batch-tui serve` over real HTTP with SeaweedFS as S3.

The source job's report is the real one serve's engine wrote to SeaweedFS; the retry
job's manifest is read back from S3 and must hold exactly the failed rows. Requests go
through boto3's `s3control` client, which validates each against the model.
"""

from __future__ import annotations

import json
import uuid
from urllib.parse import quote_plus

import pytest

from s3batch_tui.serve_process import ACCOUNT
from tests.integration.helpers import seed_objects
from tests.server.test_backend_cli import aws, describe, listed, served, submit  # noqa: F401

pytestmark = pytest.mark.xdist_group("serve")


@pytest.fixture
def failing_job(aws, job_waiter, tmp_path, s3, bucket):
    """`make(present, missing, **job)`: a finished AWS job tagging `present` objects and `missing` absent ones."""

    def make(present: int = 3, missing: int = 2, **overrides) -> tuple[str, list[str]]:
        run = uuid.uuid4().hex[:6]
        keys = seed_objects(s3, bucket, [f"{run}/here {i}.txt" for i in range(present)])
        gone = [f"{run}/gone+{i}.txt" for i in range(missing)]
        body = "".join(f"{bucket},{quote_plus(key)}\n" for key in keys + gone)
        s3.put_object(Bucket=bucket, Key=f"{run}/manifest.csv", Body=body.encode())
        etag = s3.head_object(Bucket=bucket, Key=f"{run}/manifest.csv")["ETag"].strip('"')
        job = {
            "Operation": {"S3PutObjectTagging": {"TagSet": [{"Key": "retry", "Value": "yes"}]}},
            "Manifest": {"Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]},
                         "Location": {"ObjectArn": f"arn:aws:s3:::{bucket}/{run}/manifest.csv", "ETag": etag}},
            "Report": {"Enabled": True, "Bucket": f"arn:aws:s3:::{bucket}", "Format": "Report_CSV_20180820",
                       "ReportScope": "AllTasks", "Prefix": f"{run}/reports"},
            "Priority": 10, "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/batch", "ConfirmationRequired": False,
            "Description": f"retry test {run}",
        } | overrides  # fmt: skip
        path = tmp_path / f"job-{run}.json"
        path.write_text(json.dumps(job), encoding="utf-8")
        job_id = submit(aws, path)
        if not job.get("ConfirmationRequired"):
            assert job_waiter(job_id)["Status"] == "Complete"
        return job_id, [quote_plus(key) for key in gone]

    return make


def retry_objects(s3, bucket: str, prefix: str) -> list[str]:
    return [item["Key"] for item in s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
            if "retry" in item["Key"].rsplit("/", 1)[-1]]  # fmt: skip


def test_retry_failed_plans_then_submits_exactly_the_failed_rows_once(aws, job_waiter, failing_job, s3, bucket):
    source, gone = failing_job(present=3, missing=2)
    run = gone[0].split("%2F")[0]
    before = listed(aws)

    code, out, err = aws("job", "retry-failed", source)  # no terminal, no --yes: the plan only
    assert code == 2 and out == ""
    assert f"Retry 2 failed tasks of job {source}" in err
    assert f"Failed rows from: s3://{bucket}/{run}/reports/job-{source}/manifest.json" in err
    assert f"uploaded to: s3://{bucket}/{run}/reports/job-{source}/retry-manifest-" in err
    assert "S3PutObjectTagging, AllTasks report to" in err and "give --yes" in err
    assert list(listed(aws)) == list(before) and retry_objects(s3, bucket, run) == []

    code, out, err = aws("job", "retry-failed", source, "--yes")
    assert code == 0, err
    retry_id = out.strip()
    job = job_waiter(retry_id)
    location = job["Manifest"]["Location"]
    key = location["ObjectArn"].removeprefix(f"arn:aws:s3:::{bucket}/")
    assert key.startswith(f"{run}/reports/job-{source}/retry-manifest-")
    assert location["ETag"] == s3.head_object(Bucket=bucket, Key=key)["ETag"].strip('"')
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode()
    assert sorted(body.splitlines()) == sorted(f"{bucket},{raw}" for raw in gone)  # in the report's order
    assert job["Manifest"]["Spec"] == {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]}
    assert job["Operation"] == describe(aws, source)["Operation"]
    assert job["Report"] == describe(aws, source)["Report"] and job["RoleArn"] == describe(aws, source)["RoleArn"]
    assert job["ProgressSummary"]["TotalNumberOfTasks"] == 2
    assert job["Description"] == f"Retry of 2 failed tasks of job {source}"

    code, out, err = aws("job", "retry-failed", source, "--yes")  # the kept token: the same job
    assert (code, out.strip()) == (0, retry_id), err
    assert set(listed(aws)) - set(before) == {retry_id}


def test_retry_failed_to_a_chosen_prefix(aws, failing_job, s3, bucket):
    source, gone = failing_job(present=1, missing=1)
    code, out, err = aws("job", "retry-failed", source, "--manifest-to", f"s3://{bucket}/retries/", "--yes")
    assert code == 0, err
    location = describe(aws, out.strip())["Manifest"]["Location"]["ObjectArn"]
    assert location.startswith(f"arn:aws:s3:::{bucket}/retries/retry-{source}-")
    assert s3.get_object(Bucket=bucket, Key=location.split(":::", 1)[1].split("/", 1)[1])["Body"].read() == (
        f"{bucket},{gone[0]}\n".encode())  # fmt: skip


def test_retry_failed_refusals_upload_and_create_nothing(aws, job_waiter, failing_job, s3, bucket):
    clean, _ = failing_job(present=2, missing=0)
    waiting, _ = failing_job(present=1, missing=1, ConfirmationRequired=True)
    job_waiter(waiting, ("Suspended",))
    before = listed(aws)
    cases = [
        ((clean, "--yes"), f"job {clean} has no failed tasks"),
        ((waiting, "--yes"), f"job {waiting} is Suspended; retry its failed tasks once it has ended"),
        (("00000000-0000-0000-0000-000000000000", "--yes"), "no job 00000000-0000-0000-0000-000000000000"),
        ((clean, "--manifest-to", "bucket/prefix", "--yes"), "--manifest-to: expected s3://bucket/prefix/"),
    ]
    for args, message in cases:
        code, out, err = aws("job", "retry-failed", *args)
        assert (code, out) == (2, ""), err
        assert message in err
    assert list(listed(aws)) == list(before)
    assert retry_objects(s3, bucket, "") == []  # the bucket is this test's own


def test_local_retry_failed_refuses_manifest_to(aws):
    code, out, err = aws("job", "retry-failed", "abc", "--manifest-to", "s3://b/p/", backend=None)
    assert code == 2 and "--manifest-to" in err and "--backend aws" in err
