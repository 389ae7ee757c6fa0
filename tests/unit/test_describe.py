"""DescribeJob/ListJobs output: exactly the model's members, valid against its shapes."""

from __future__ import annotations

import json

import pytest

from s3batch_tui.core.describe import describe_job, list_item, list_jobs
from s3batch_tui.core.spec import parse_job_spec
from s3batch_tui.core.spec.model_check import check_shape, s3control_model
from s3batch_tui.core.status import JobStatus as S
from tests.unit.test_spec_model import GENERATOR, TAGGING

JOB_DESCRIPTOR = s3control_model().shape_for("JobDescriptor")
LIST_DESCRIPTOR = s3control_model().shape_for("JobListDescriptor")


def _aws_view(job: dict) -> dict:
    return {k: v for k, v in job.items() if k != "Local"}


@pytest.fixture
def tagging_job(store):
    store.create_job("0f8fad5b-d9cb-469f-a165-70867728950e", parse_job_spec(json.dumps(TAGGING)))
    return "0f8fad5b-d9cb-469f-a165-70867728950e"


def test_a_new_job_validates_against_the_job_descriptor(store, tagging_job):
    job = describe_job(store.get(tagging_job), store, region="eu-west-3")["Job"]
    assert check_shape(JOB_DESCRIPTOR, _aws_view(job), "Job") == []
    assert set(job) - {"Local"} <= set(JOB_DESCRIPTOR.members)
    assert job["JobArn"] == f"arn:aws:s3:eu-west-3:123456789012:job/{tagging_job}"
    assert "SuspendedDate" not in job and "GeneratedManifestDescriptor" not in job


def test_the_arn_falls_back_to_the_given_account_then_zeros_and_us_east_1(store, job_spec, monkeypatch):
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    record = store.create_job("abcde-1", job_spec)
    assert describe_job(record)["Job"]["JobArn"] == "arn:aws:s3:us-east-1:000000000000:job/abcde-1"
    assert describe_job(record, account_id="111122223333")["Job"]["JobArn"].startswith("arn:aws:s3:us-east-1:111122223333:")


def test_a_suspended_then_failed_job_shows_aws_fields_with_reasons_capped(store, tagging_job, clock):
    store.set_status(tagging_job, S.PREPARING)
    store.set_status(tagging_job, S.SUSPENDED)
    suspended_at = clock.now
    clock.advance(60)
    long_reason = "x" * 300
    store.set_status(tagging_job, S.FAILED, long_reason, [{"FailureCode": "SuspendedTimeout", "FailureReason": long_reason}])
    job = describe_job(store.get(tagging_job), store)["Job"]
    assert check_shape(JOB_DESCRIPTOR, _aws_view(job), "Job") == []
    assert job["Status"] == "Failed"
    assert job["SuspendedDate"].startswith("1970-01-01T00:16:40") and suspended_at == 1000
    assert job["SuspendedCause"]
    assert len(job["StatusUpdateReason"]) == 256 and len(job["FailureReasons"][0]["FailureReason"]) == 256
    assert job["Local"]["StatusUpdateReason"] == long_reason  # the whole text stays readable locally
    assert [h["Status"] for h in job["Local"]["StatusHistory"]][-2:] == ["Failing", "Failed"]


def test_a_generator_job_that_wrote_its_manifest_describes_it(store):
    record = store.create_job("gen-job-1", parse_job_spec(json.dumps(GENERATOR)))
    identity = {"generated_from": "source", "manifest_output": "s3://out/m/job-gen-job-1/manifest.json",
                "manifest_output_etag": "9b2cf535f27731c974343645a3985328"}  # fmt: skip
    store.save_prepared(record.id, 3, identity, 0)
    job = describe_job(store.get(record.id))["Job"]
    assert job["GeneratedManifestDescriptor"] == {
        "Format": "S3InventoryReport_CSV_20211130",
        "Location": {"ObjectArn": "arn:aws:s3:::out/m/job-gen-job-1/manifest.json",
                     "ETag": "9b2cf535f27731c974343645a3985328"},
    }  # fmt: skip
    assert check_shape(JOB_DESCRIPTOR, _aws_view(job), "Job") == []


def test_the_model_check_catches_a_wrong_output(store, tagging_job):
    job = _aws_view(describe_job(store.get(tagging_job))["Job"]) | {"Status": "Running", "Extra": 1}
    problems = check_shape(JOB_DESCRIPTOR, job, "Job")
    assert any(p.startswith("Job.Status:") for p in problems) and any(p.startswith("Job.Extra:") for p in problems)


def test_list_items_validate_and_filter_by_status(store, tagging_job, job_spec):
    store.create_job("other-1", job_spec)
    store.set_status("other-1", S.CANCELLED)
    items = list_jobs(store)
    assert {i["JobId"] for i in items} == {"other-1", tagging_job}
    for item in items:
        assert check_shape(LIST_DESCRIPTOR, item, "Jobs[]") == []
    assert [i["JobId"] for i in list_jobs(store, [S.NEW])] == [tagging_job]
    assert list_item(store.get("other-1"))["Status"] == "Cancelled"
