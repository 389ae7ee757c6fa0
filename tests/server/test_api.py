"""Every job operation of `s3batch-tui serve`, driven by boto3's `s3control` client over HTTP."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time

import pytest
from botocore.exceptions import ClientError

from s3batch_tui.core.store import Store
from s3batch_tui.serve_process import ACCOUNT

pytestmark = pytest.mark.xdist_group("serve")

ENDED = ("Complete", "Failed", "Cancelled")


def wait_status(control, job_id: str, statuses, timeout: float = 60) -> dict:
    """DescribeJob until the job's status is one of `statuses`; returns the Job."""
    deadline = time.monotonic() + timeout
    while True:
        job = control.describe_job(AccountId=ACCOUNT, JobId=job_id)["Job"]
        if job["Status"] in statuses:
            return job
        assert time.monotonic() < deadline, f"job stayed {job['Status']}, expected {statuses}"
        time.sleep(0.1)


def error_of(call, **params) -> tuple[int, str, str]:
    """(HTTP status, error code, request id) of a call that must fail."""
    with pytest.raises(ClientError) as caught:
        call(AccountId=ACCOUNT, **params)
    response = caught.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"], response["ResponseMetadata"]["RequestId"]


def test_create_job_runs_it_on_seaweedfs_and_describe_list_and_store_show_it(served, control, job_request, s3, bucket):
    request = job_request(7, Description="tag seven", Tags=[{"Key": "team", "Value": "data"}])
    job_id = control.create_job(**request)["JobId"]
    job = wait_status(control, job_id, ENDED)
    assert job["Status"] == "Complete"
    assert job["ProgressSummary"]["TotalNumberOfTasks"] == 7
    assert job["ProgressSummary"]["NumberOfTasksSucceeded"] == 7
    assert job["Operation"] == request["Operation"]
    assert job["Report"] == request["Report"]
    assert (job["Priority"], job["Description"], job["RoleArn"]) == (10, "tag seven", request["RoleArn"])
    assert job["CreationTime"] <= job["TerminationDate"]
    assert "Local" not in job
    assert job["JobArn"].startswith("arn:aws:s3:") and job["JobArn"].endswith(f":{ACCOUNT}:job/{job_id}")
    tags = s3.get_object_tagging(Bucket=bucket, Key="obj 0003.txt")["TagSet"]
    assert tags == [{"Key": "served", "Value": "yes"}]

    listed = {j["JobId"]: j for j in control.list_jobs(AccountId=ACCOUNT, MaxResults=1000)["Jobs"]}
    assert listed[job_id]["Operation"] == "S3PutObjectTagging"
    assert listed[job_id]["Status"] == "Complete"
    assert set(listed[job_id]) <= {"JobId", "Description", "Operation", "Priority", "Status", "CreationTime",
                                   "TerminationDate", "ProgressSummary"}  # fmt: skip

    store = Store(served.data_dir / "jobs.sqlite3")  # the store `job list` and the TUI read
    assert store.get(job_id).status.value == "Complete"
    shown = subprocess.run([sys.executable, "-m", "s3batch_tui", "--data-dir", str(served.data_dir), "job", "list",
                            "--json"], capture_output=True, text=True, timeout=60, check=True)  # fmt: skip
    assert job_id in shown.stdout


def test_describe_job_errors(control):
    status, code, request_id = error_of(control.describe_job, JobId="00000000-0000-0000-0000-000000000000")
    assert (status, code) == (404, "NotFoundException")
    assert len(request_id) == 16
    assert error_of(control.describe_job, JobId="bad!id")[:2] == (400, "BadRequestException")


def test_create_job_with_a_bad_document_is_refused_and_creates_nothing(control, job_request):
    before = len(control.list_jobs(AccountId=ACCOUNT)["Jobs"])
    request = job_request(1)
    request["Manifest"]["Location"]["ObjectArn"] = "not-an-arn"
    status, code, _ = error_of(control.create_job, **{k: v for k, v in request.items() if k != "AccountId"})
    assert (status, code) == (400, "BadRequestException")
    too_many = [{"Key": f"k{i}", "Value": "v"} for i in range(51)]
    request = job_request(1, Tags=too_many)
    assert error_of(control.create_job, **{k: v for k, v in request.items() if k != "AccountId"})[1] == "BadRequestException"
    assert len(control.list_jobs(AccountId=ACCOUNT)["Jobs"]) == before


def test_confirmation_then_ready_runs_the_job(control, job_request):
    job_id = control.create_job(**job_request(3, ConfirmationRequired=True))["JobId"]
    assert wait_status(control, job_id, ("Suspended",))["ConfirmationRequired"] is True
    changed = control.update_job_priority(AccountId=ACCOUNT, JobId=job_id, Priority=42)
    assert (changed["JobId"], changed["Priority"]) == (job_id, 42)
    answer = control.update_job_status(AccountId=ACCOUNT, JobId=job_id, RequestedJobStatus="Ready",
                                       StatusUpdateReason="looks right")  # fmt: skip
    assert (answer["JobId"], answer["Status"], answer["StatusUpdateReason"]) == (job_id, "Ready", "looks right")
    job = wait_status(control, job_id, ENDED)
    assert (job["Status"], job["Priority"]) == ("Complete", 42)
    # A finished job cannot be confirmed, cancelled or re-prioritised.
    assert error_of(control.update_job_status, JobId=job_id, RequestedJobStatus="Ready")[:2] == (409, "JobStatusException")
    assert error_of(control.update_job_status, JobId=job_id, RequestedJobStatus="Cancelled")[1] == "JobStatusException"
    assert error_of(control.update_job_priority, JobId=job_id, Priority=1)[:2] == (400, "BadRequestException")


def test_cancel_a_suspended_job(control, job_request):
    job_id = control.create_job(**job_request(2, ConfirmationRequired=True))["JobId"]
    wait_status(control, job_id, ("Suspended",))
    answer = control.update_job_status(AccountId=ACCOUNT, JobId=job_id, RequestedJobStatus="Cancelled")
    assert answer["Status"] in ("Cancelling", "Cancelled")
    assert wait_status(control, job_id, ENDED)["Status"] == "Cancelled"
    assert error_of(control.update_job_status, JobId="00000-missing", RequestedJobStatus="Cancelled")[:2] == (
        404, "NotFoundException")  # fmt: skip


def test_update_job_status_rejects_other_statuses_and_bad_priorities(control, job_request):
    job_id = control.create_job(**job_request(1, ConfirmationRequired=True))["JobId"]
    status, code, _ = error_of(control.update_job_status, JobId=job_id, RequestedJobStatus="Paused")
    assert (status, code) == (400, "InvalidRequestException")
    assert error_of(control.update_job_priority, JobId=job_id, Priority=2147483648)[1] == "InvalidRequestException"
    control.update_job_status(AccountId=ACCOUNT, JobId=job_id, RequestedJobStatus="Cancelled")


def test_job_tagging(served, control, job_request):
    job_id = control.create_job(**job_request(1, ConfirmationRequired=True, Tags=[{"Key": "a", "Value": "1"}]))["JobId"]
    assert control.get_job_tagging(AccountId=ACCOUNT, JobId=job_id)["Tags"] == [{"Key": "a", "Value": "1"}]
    tags = [{"Key": "team", "Value": "data"}, {"Key": "cost centre", "Value": "42 ü"}]
    control.put_job_tagging(AccountId=ACCOUNT, JobId=job_id, Tags=tags)
    assert control.get_job_tagging(AccountId=ACCOUNT, JobId=job_id)["Tags"] == tags
    shown = subprocess.run([sys.executable, "-m", "s3batch_tui", "--data-dir", str(served.data_dir), "job", "tags",
                            job_id, "--json"], capture_output=True, text=True, timeout=60, check=True)  # fmt: skip
    assert json.loads(shown.stdout) == {"Tags": tags}

    too_many = [{"Key": f"k{i}", "Value": "v"} for i in range(51)]
    assert error_of(control.put_job_tagging, JobId=job_id, Tags=too_many)[:2] == (400, "TooManyTagsException")
    twice = [{"Key": "k", "Value": "1"}, {"Key": "k", "Value": "2"}]
    assert error_of(control.put_job_tagging, JobId=job_id, Tags=twice)[:2] == (400, "InvalidRequestException")
    bad = [{"Key": "semi;colon", "Value": "v"}]
    assert error_of(control.put_job_tagging, JobId=job_id, Tags=bad)[1] == "InvalidRequestException"
    assert control.get_job_tagging(AccountId=ACCOUNT, JobId=job_id)["Tags"] == tags  # refused puts changed nothing

    control.delete_job_tagging(AccountId=ACCOUNT, JobId=job_id)
    assert control.get_job_tagging(AccountId=ACCOUNT, JobId=job_id)["Tags"] == []
    missing = "00000000-0000-0000-0000-000000000001"
    for call in (control.get_job_tagging, control.delete_job_tagging):
        assert error_of(call, JobId=missing)[:2] == (404, "NotFoundException")
    assert error_of(control.put_job_tagging, JobId=missing, Tags=tags)[1] == "NotFoundException"
    control.update_job_status(AccountId=ACCOUNT, JobId=job_id, RequestedJobStatus="Cancelled")


def test_list_jobs_pages_and_filters(control, job_request):
    created = {control.create_job(**job_request(1, ConfirmationRequired=True))["JobId"] for _ in range(5)}
    for job_id in created:
        wait_status(control, job_id, ("Suspended",))
    every = [j["JobId"] for j in control.list_jobs(AccountId=ACCOUNT, MaxResults=1000)["Jobs"]]
    pages = [control.list_jobs(AccountId=ACCOUNT, MaxResults=2)]  # boto3 has no paginator for ListJobs
    while "NextToken" in pages[-1]:
        pages.append(control.list_jobs(AccountId=ACCOUNT, MaxResults=2, NextToken=pages[-1]["NextToken"]))
    assert all(len(page["Jobs"]) <= 2 for page in pages) and len(pages) >= 3
    assert [j["JobId"] for page in pages for j in page["Jobs"]] == every  # each once, newest first

    suspended = control.list_jobs(AccountId=ACCOUNT, JobStatuses=["Suspended"], MaxResults=2)
    assert {j["Status"] for j in suspended["Jobs"]} == {"Suspended"}
    rest = control.list_jobs(AccountId=ACCOUNT, JobStatuses=["Suspended"], NextToken=suspended["NextToken"])
    assert created <= {j["JobId"] for j in suspended["Jobs"] + rest["Jobs"]}
    both = control.list_jobs(AccountId=ACCOUNT, JobStatuses=["Suspended", "Complete"])["Jobs"]
    assert {j["Status"] for j in both} <= {"Suspended", "Complete"}

    assert error_of(control.list_jobs, NextToken="bm90LW91cnM=")[:2] == (400, "InvalidNextTokenException")
    other_filter = dict(JobStatuses=["Complete"], NextToken=suspended["NextToken"])
    assert error_of(control.list_jobs, **other_filter)[1] == "InvalidNextTokenException"
    assert error_of(control.list_jobs, MaxResults=1001)[:2] == (400, "InvalidRequestException")
    for job_id in created:
        control.update_job_status(AccountId=ACCOUNT, JobId=job_id, RequestedJobStatus="Cancelled")


def test_same_token_and_body_returns_the_same_job(control, job_request):
    request = job_request(1, ConfirmationRequired=True, ClientRequestToken="token-same-body")
    first = control.create_job(**request)["JobId"]
    assert control.create_job(**request)["JobId"] == first
    control.update_job_status(AccountId=ACCOUNT, JobId=first, RequestedJobStatus="Cancelled")


def test_same_token_with_another_body_is_an_idempotency_error(control, job_request):
    request = job_request(1, ConfirmationRequired=True, ClientRequestToken="token-other-body")
    first = control.create_job(**request)["JobId"]
    status, code, _ = error_of(control.create_job, **{k: v for k, v in request.items() if k != "AccountId"} | {"Priority": 99})
    assert (status, code) == (409, "IdempotencyException")
    control.update_job_status(AccountId=ACCOUNT, JobId=first, RequestedJobStatus="Cancelled")


def test_a_job_left_suspended_past_the_timeout_fails_when_the_api_reads_it(served, control, job_request):
    job_id = control.create_job(**job_request(1, ConfirmationRequired=True))["JobId"]
    wait_status(control, job_id, ("Suspended",))
    # Age the suspension by 31 days in the store (the server's clock cannot be moved from here).
    with sqlite3.connect(served.data_dir / "jobs.sqlite3") as db:
        db.execute("UPDATE jobs SET suspended_at = suspended_at - 31 * 86400 WHERE id = ?", (job_id,))
    job = wait_status(control, job_id, ("Failed",))
    assert [r["FailureCode"] for r in job["FailureReasons"]] == ["SuspendedTimeout"]
    listed = control.list_jobs(AccountId=ACCOUNT, JobStatuses=["Failed"], MaxResults=1000)["Jobs"]
    assert job_id in {j["JobId"] for j in listed}


def test_status_update_reason_is_kept_on_the_job(served, control, job_request, tmp_path):
    job_file = tmp_path / "job.json"
    job_file.write_text(json.dumps(job_request(1)), encoding="utf-8")
    created = subprocess.run([sys.executable, "-m", "s3batch_tui", "--data-dir", str(served.data_dir), "job", "create",
                              str(job_file)], capture_output=True, text=True, timeout=60, check=True)  # fmt: skip
    job_id = created.stdout.strip()  # stored by the CLI, so no runner holds it: the API cancels it at once
    answer = control.update_job_status(AccountId=ACCOUNT, JobId=job_id, RequestedJobStatus="Cancelled",
                                       StatusUpdateReason="no longer needed")  # fmt: skip
    assert (answer["Status"], answer["StatusUpdateReason"]) == ("Cancelled", "no longer needed")
    job = control.describe_job(AccountId=ACCOUNT, JobId=job_id)["Job"]
    assert (job["Status"], job["StatusUpdateReason"]) == ("Cancelled", "no longer needed")
