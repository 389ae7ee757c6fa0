"""`S3PutObjectLegalHold` and `S3PutObjectRetention` against SeaweedFS (which enforces
Object Lock), and against moto for removing retention (SeaweedFS refuses an empty
Retention with 400 InvalidRequest, bypass or not)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

import pytest

from s3batch_tui.cli import main
from s3batch_tui.core.engine.retry import RetryPolicy
from s3batch_tui.core.errors import InputError
from s3batch_tui.core.manifest.entry import ManifestEntry
from s3batch_tui.core.operations.base import SUCCESS, OperationContext, TaskOutcome
from s3batch_tui.core.operations.legal_hold import PutObjectLegalHoldOperation
from s3batch_tui.core.operations.registry import OPERATIONS
from s3batch_tui.core.operations.retention import PutObjectRetentionOperation, retention_arguments
from s3batch_tui.core.report import open_report
from s3batch_tui.core.spec import JobOperation


def entry(bucket: str, key: str, version_id: str | None = None) -> ManifestEntry:
    return ManifestEntry(ordinal=0, bucket=bucket, key=key, version_id=version_id, raw_key=quote(key))


def execute(operation, task: ManifestEntry) -> tuple[TaskOutcome, int]:
    return RetryPolicy(sleep=lambda s: None).execute(operation, task)


def legal_hold(context: OperationContext, status: str) -> PutObjectLegalHoldOperation:
    spec = JobOperation.model_validate({"S3PutObjectLegalHold": {"LegalHold": {"Status": status}}})
    return PutObjectLegalHoldOperation(spec.params, context)


def retention(context, mode: str | None = None, until: datetime | None = None, bypass: bool | None = None, **extra):
    body = {"Retention": {k: v for k, v in {"Mode": mode, "RetainUntilDate": until}.items() if v} | extra}
    if bypass is not None:
        body["BypassGovernanceRetention"] = bypass
    spec = JobOperation.model_validate({"S3PutObjectRetention": body})
    return PutObjectRetentionOperation(spec.params, context)


def in_seconds(seconds: float) -> datetime:
    # Whole seconds: S3 keeps retention dates to the second.
    return (datetime.now(timezone.utc) + timedelta(seconds=seconds)).replace(microsecond=0)


def lock_state(s3, bucket: str, key: str, version_id: str) -> tuple:
    """(legal hold, mode, retain-until) as HeadObject reports them for one version."""
    head = s3.head_object(Bucket=bucket, Key=key, VersionId=version_id)
    hold = head.get("ObjectLockLegalHoldStatus", "OFF")
    return hold, head.get("ObjectLockMode"), head.get("ObjectLockRetainUntilDate")


@pytest.fixture(scope="module")
def locked_bucket(seaweed) -> str:
    """A SeaweedFS bucket with Object Lock (hence versioning), shared by the module."""
    name = f"lock-{uuid.uuid4().hex[:10]}"
    seaweed.client().create_bucket(Bucket=name, ObjectLockEnabledForBucket=True)
    return name


@pytest.fixture(scope="module")
def context(seaweed) -> OperationContext:
    return OperationContext(s3=seaweed.client(retries={"total_max_attempts": 1}), job_id="t")


@pytest.fixture
def versions(s3, locked_bucket) -> tuple[str, str, str]:
    """A fresh key written twice: (key, old version, current version)."""
    key = f"{uuid.uuid4().hex[:12]}/k"
    old = s3.put_object(Bucket=locked_bucket, Key=key, Body=b"old")["VersionId"]
    current = s3.put_object(Bucket=locked_bucket, Key=key, Body=b"current")["VersionId"]
    return key, old, current


# --- Legal hold -----------------------------------------------------------------------


def test_legal_hold_on_a_version_blocks_its_deletion_until_cleared(s3, context, locked_bucket, versions):
    key, old, current = versions
    assert legal_hold(context, "ON").run(entry(locked_bucket, key, old)) == SUCCESS
    assert lock_state(s3, locked_bucket, key, old)[0] == "ON"
    assert lock_state(s3, locked_bucket, key, current)[0] == "OFF"
    with pytest.raises(s3.exceptions.ClientError, match="AccessDenied"):
        s3.delete_object(Bucket=locked_bucket, Key=key, VersionId=old)
    assert legal_hold(context, "OFF").run(entry(locked_bucket, key, old)) == SUCCESS
    assert lock_state(s3, locked_bucket, key, old)[0] == "OFF"
    s3.delete_object(Bucket=locked_bucket, Key=key, VersionId=old)


def test_legal_hold_without_version_applies_to_the_current_one(s3, context, locked_bucket, versions):
    key, old, current = versions
    assert legal_hold(context, "ON").run(entry(locked_bucket, key)) == SUCCESS
    assert s3.get_object_legal_hold(Bucket=locked_bucket, Key=key)["LegalHold"] == {"Status": "ON"}
    assert (lock_state(s3, locked_bucket, key, current)[0], lock_state(s3, locked_bucket, key, old)[0]) == ("ON", "OFF")
    assert legal_hold(context, "OFF").run(entry(locked_bucket, key)) == SUCCESS
    assert s3.get_object_legal_hold(Bucket=locked_bucket, Key=key)["LegalHold"] == {"Status": "OFF"}


# --- Retention ------------------------------------------------------------------------


def test_governance_can_be_shortened_only_with_bypass(s3, context, locked_bucket, versions):
    key, old, current = versions
    hour, minute = in_seconds(3600), in_seconds(60)
    assert retention(context, "GOVERNANCE", hour).run(entry(locked_bucket, key)) == SUCCESS
    assert lock_state(s3, locked_bucket, key, current)[1:] == ("GOVERNANCE", hour)
    assert lock_state(s3, locked_bucket, key, old)[1:] == (None, None)
    outcome, attempts = execute(retention(context, "GOVERNANCE", minute), entry(locked_bucket, key))
    assert (outcome.succeeded, outcome.http_status, outcome.error_code, attempts) == (False, 403, "AccessDenied", 1)
    assert lock_state(s3, locked_bucket, key, current)[1:] == ("GOVERNANCE", hour)
    assert retention(context, "GOVERNANCE", minute, bypass=True).run(entry(locked_bucket, key)) == SUCCESS
    assert lock_state(s3, locked_bucket, key, current)[1:] == ("GOVERNANCE", minute)


def test_compliance_on_a_version_cannot_be_shortened_even_with_bypass(s3, context, locked_bucket, versions):
    # Short-lived on purpose: SeaweedFS enforces COMPLIANCE (the server is discarded anyway).
    key, old, current = versions
    until = in_seconds(60)
    assert retention(context, "COMPLIANCE", until).run(entry(locked_bucket, key, old)) == SUCCESS
    assert s3.get_object_retention(Bucket=locked_bucket, Key=key, VersionId=old)["Retention"]["Mode"] == "COMPLIANCE"
    assert lock_state(s3, locked_bucket, key, old)[1:] == ("COMPLIANCE", until)
    assert lock_state(s3, locked_bucket, key, current)[1:] == (None, None)
    outcome, _ = execute(retention(context, "COMPLIANCE", in_seconds(30), bypass=True), entry(locked_bucket, key, old))
    assert (outcome.succeeded, outcome.http_status, outcome.error_code) == (False, 403, "AccessDenied")
    assert lock_state(s3, locked_bucket, key, old)[1:] == ("COMPLIANCE", until)


def test_no_mode_and_no_date_removes_governance_retention_on_moto(moto_server):
    s3 = moto_server.client("s3")
    bucket = f"lock-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=True)
    version = s3.put_object(Bucket=bucket, Key="k", Body=b"x")["VersionId"]
    context = OperationContext(s3=s3, job_id="t")
    until = in_seconds(3600)
    assert retention(context, "GOVERNANCE", until).run(entry(bucket, "k")) == SUCCESS
    # moto's GetObjectRetention is broken; HeadObject reports the same fields.
    assert lock_state(s3, bucket, "k", version)[1:] == ("GOVERNANCE", until)
    assert retention(context, bypass=True).run(entry(bucket, "k")) == SUCCESS
    assert lock_state(s3, bucket, "k", version)[1:] == (None, None)


def test_retention_arguments():
    until = datetime(2031, 2, 3, 4, 5, 6, tzinfo=timezone.utc)
    fields = {"Mode": "COMPLIANCE", "RetainUntilDate": until.isoformat()}
    spec = {"S3PutObjectRetention": {"Retention": fields, "BypassGovernanceRetention": True}}
    params = JobOperation.model_validate(spec).params
    assert retention_arguments(params) == {
        "Retention": {"Mode": "COMPLIANCE", "RetainUntilDate": until}, "BypassGovernanceRetention": True,
    }  # fmt: skip
    spec = {"S3PutObjectRetention": {"Retention": {}, "BypassGovernanceRetention": False}}
    params = JobOperation.model_validate(spec).params
    assert retention_arguments(params) == {"Retention": {}}


WHERE = "Operation.S3PutObjectRetention.Retention"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"Mode": "GOVERNANCE"},
         f"{WHERE}.RetainUntilDate: required with Mode (give both, or neither to remove retention)"),
        ({"RetainUntilDate": "2031-01-01T00:00:00Z"},
         f"{WHERE}.Mode: required with RetainUntilDate (give both, or neither to remove retention)"),
        ({"EventHold": "ON"}, f"{WHERE}.EventHold: event holds are applied only by AWS S3 Batch Operations; "
                              "this job runs only on AWS"),
        ({"Mode": "GOVERNANCE", "RetainUntilDate": "2031-01-01T00:00:00Z", "EventHoldDuration": {"Days": 3}},
         f"{WHERE}.EventHoldDuration: event holds are applied only by AWS S3 Batch Operations; "
         "this job runs only on AWS"),
    ],
)  # fmt: skip
def test_bad_retention_is_refused_when_the_job_is_built(fields, message):
    spec = JobOperation.model_validate({"S3PutObjectRetention": {"Retention": fields}})
    with pytest.raises(InputError) as caught:
        PutObjectRetentionOperation(spec.params, OperationContext(None, "t"))
    assert str(caught.value) == message


# --- A bucket without Object Lock, end to end ---------------------------------------


@pytest.mark.parametrize(
    ("operation", "cls"),
    [
        ({"S3PutObjectLegalHold": {"LegalHold": {"Status": "ON"}}}, PutObjectLegalHoldOperation),
        ({"S3PutObjectRetention": {"Retention": {"Mode": "GOVERNANCE", "RetainUntilDate": "2031-01-01T00:00:00Z"}}},
         PutObjectRetentionOperation),
    ],
)  # fmt: skip
def test_a_job_on_a_bucket_without_object_lock_completes_with_every_task_failed(
    server_env, capsys, make_job, monkeypatch, operation, cls
):
    # Until registry.py lists these classes (setitem of the same value is then harmless).
    monkeypatch.setitem(OPERATIONS, cls.name, cls)
    job_path, keys = make_job(3, operation=operation)
    code = main(["run", str(job_path)])
    out, err = capsys.readouterr()
    assert code == 1, err
    assert main(["job", "show", out.splitlines()[0], "--json"]) == 0
    job = json.loads(capsys.readouterr().out)["Job"]
    assert job["Status"] == "Complete"
    assert (job["ProgressSummary"]["NumberOfTasksSucceeded"], job["ProgressSummary"]["NumberOfTasksFailed"]) == (0, 3)
    rows = list(open_report(job["Local"]["ReportLocation"]).rows())
    # SeaweedFS answers 400 InvalidRequest for a bucket without Object Lock, as AWS does.
    assert sorted(r.decoded_key for r in rows) == sorted(keys)
    assert {(r.task_status, r.http_status, r.error_code, r.result_message) for r in rows} == {
        ("failed", 400, "InvalidRequest", "Invalid Request")
    }
