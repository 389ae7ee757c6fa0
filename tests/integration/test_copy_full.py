"""S3PutObjectCopy with every parameter, and multipart copy, against real servers.

SeaweedFS (4.x) checks copy preconditions, runs UploadPartCopy with If-Match, and
applies Object Lock on multipart uploads; it accepts but ignores grants, checksum
algorithm, website redirect and Object Lock on CopyObject, and fails SSE-KMS without
a KMS. moto applies grants, SSE-KMS, checksum algorithm and redirect, but ignores
copy preconditions. Each feature is tested where a server applies it.
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

import pytest
from botocore.awsrequest import AWSResponse

from s3batch_tui.cli import main
from s3batch_tui.core.engine.retry import RetryPolicy
from s3batch_tui.core.manifest.entry import ManifestEntry
from s3batch_tui.core.operations.base import SUCCESS, OperationContext, TaskOutcome
from s3batch_tui.core.operations.copy import PutObjectCopyOperation
from s3batch_tui.core.report import open_report
from s3batch_tui.core.spec import MIB, JobOperation, LocalOptions

SMALL_PARTS = LocalOptions(multipart_copy_threshold_bytes=5 * MIB, multipart_copy_part_size_bytes=5 * MIB)
"""Objects over 5 MiB go multipart, in 5 MiB parts: an 11 MiB object makes 3 parts."""

BIG = 11 * MIB
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
KMS_KEY = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def entry(bucket: str, key: str, version_id: str | None = None) -> ManifestEntry:
    return ManifestEntry(ordinal=0, bucket=bucket, key=key, version_id=version_id, raw_key=quote(key))


def copy_op(s3, options: LocalOptions | None = None, **params) -> PutObjectCopyOperation:
    spec = JobOperation.model_validate({"S3PutObjectCopy": params}).params
    return PutObjectCopyOperation(spec, OperationContext(s3, "test", options=options))


def execute(operation, task: ManifestEntry) -> tuple[TaskOutcome, int]:
    return RetryPolicy(sleep=lambda s: None).execute(operation, task)


def to(bucket: str) -> str:
    return f"arn:aws:s3:::{bucket}"


def tags(s3, bucket: str, key: str) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in s3.get_object_tagging(Bucket=bucket, Key=key)["TagSet"]}


def uploads(s3, bucket: str) -> list:
    return s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])


def record_calls(s3, only: str = "") -> list[tuple[str, dict]]:
    """Every request (or every `only` request) the client sends from now on: (operation,
    HTTP headers as bytes). Observes only."""
    sent: list[tuple[str, dict]] = []
    s3.meta.events.register(f"before-send.s3{only and '.' + only}", lambda request, event_name, **_: sent.append(
        (event_name.rsplit(".", 1)[-1], dict(request.headers))))  # fmt: skip
    return sent


def new_bucket(s3, role: str, **create) -> str:
    name = f"cp-{role}-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=name, **create)
    return name


@pytest.fixture
def k() -> str:
    return f"{uuid.uuid4().hex[:12]}/k"


# The first write to a new SeaweedFS bucket costs ~0.2 s, so buckets are per module.


@pytest.fixture(scope="module")
def weed(seaweed):
    """A SeaweedFS client without botocore retries (the engine's policy decides)."""
    return seaweed.client(retries={"total_max_attempts": 1})


@pytest.fixture
def fresh(seaweed):
    """A client of its own, for tests that hook into its requests."""
    return seaweed.client(retries={"total_max_attempts": 1})


@pytest.fixture(scope="module")
def src(weed) -> str:
    return new_bucket(weed, "src")


@pytest.fixture(scope="module")
def dst(weed) -> str:
    return new_bucket(weed, "dst")


@pytest.fixture(scope="module")
def big(weed, src) -> tuple[str, bytes]:
    """An 11 MiB object with content headers, user metadata and tags; tests only read it."""
    body = os.urandom(BIG)
    weed.put_object(Bucket=src, Key="big", Body=body, ContentType="text/csv", CacheControl="no-cache",
                    ContentLanguage="fr", Metadata={"m": "1"}, Tagging="t=1&space=a b")  # fmt: skip
    return "big", body


# --- Preconditions (SeaweedFS checks them; moto does not) -----------------------------


def test_a_failed_modified_since_fails_the_task_with_the_servers_412(weed, src, dst, k):
    weed.put_object(Bucket=src, Key=k, Body=b"x")
    tomorrow = (datetime.now(timezone.utc) + timedelta(days=1)).isoformat()
    outcome, attempts = execute(copy_op(weed, TargetResource=to(dst), ModifiedSinceConstraint=tomorrow), entry(src, k))
    assert (outcome.http_status, outcome.error_code, outcome.retryable, attempts) == (412, "PreconditionFailed", False, 1)
    assert "pre-conditions" in outcome.message
    assert weed.list_objects_v2(Bucket=dst, Prefix=k)["KeyCount"] == 0


def test_a_failed_unmodified_since_fails_and_a_met_one_copies(weed, src, dst, k):
    weed.put_object(Bucket=src, Key=k, Body=b"x")
    outcome, _ = execute(copy_op(weed, TargetResource=to(dst), UnModifiedSinceConstraint="2001-01-01T00:00:00Z"),
                         entry(src, k))  # fmt: skip
    assert (outcome.succeeded, outcome.http_status, outcome.error_code) == (False, 412, "PreconditionFailed")
    met = copy_op(weed, TargetResource=to(dst), UnModifiedSinceConstraint="2099-01-01T00:00:00Z",
                  ModifiedSinceConstraint="2001-01-01T00:00:00Z")  # fmt: skip
    assert met.run(entry(src, k)) == SUCCESS
    assert weed.get_object(Bucket=dst, Key=k)["Body"].read() == b"x"


def test_precondition_failures_land_in_the_report(server_env, capsys, make_job):
    tomorrow = (datetime.now(timezone.utc) + timedelta(days=1)).isoformat()
    job_path, keys = make_job(3, operation={"S3PutObjectCopy": {"TargetKeyPrefix": "c", "ModifiedSinceConstraint": tomorrow}})
    assert main(["run", str(job_path)]) == 1
    job_id = capsys.readouterr().out.splitlines()[0]
    assert main(["job", "show", job_id, "--json"]) == 0
    job = json.loads(capsys.readouterr().out)["Job"]
    rows = list(open_report(job["Local"]["ReportLocation"]).rows())
    assert sorted(r.decoded_key for r in rows) == sorted(keys)
    assert {(r.task_status, r.http_status, r.error_code) for r in rows} == {("failed", 412, "PreconditionFailed")}


# --- Multipart copy on SeaweedFS ---------------------------------------------------------


def test_large_object_is_copied_in_parts_keeping_metadata_and_tags(weed, src, dst, big, k):
    key, body = big
    outcome = copy_op(weed, SMALL_PARTS, TargetResource=to(dst), TargetKeyPrefix=k).run(entry(src, key))
    assert outcome == TaskOutcome(True, message="Successful (multipart copy, 3 parts)")
    copied = weed.get_object(Bucket=dst, Key=f"{k}/{key}")
    assert copied["Body"].read() == body
    assert copied["ETag"].endswith('-3"')
    kept = (copied["ContentType"], copied["CacheControl"], copied["ContentLanguage"], copied["Metadata"])
    assert kept == ("text/csv", "no-cache", "fr", {"m": "1"})
    assert tags(weed, dst, f"{k}/{key}") == {"t": "1", "space": "a b"}
    assert uploads(weed, dst) == []


def test_multipart_copy_applies_replace_metadata_tags_and_storage_class(weed, src, dst, big, k):
    key, _ = big
    op = copy_op(weed, SMALL_PARTS, TargetResource=to(dst), TargetKeyPrefix=k, MetadataDirective="REPLACE",
                 NewObjectMetadata={"ContentType": "application/json", "UserMetadata": {"new": "2"}},
                 NewObjectTagging=[{"Key": "fresh", "Value": "x/y"}], StorageClass="STANDARD_IA")  # fmt: skip
    assert op.run(entry(src, key)).message == "Successful (multipart copy, 3 parts)"
    head = weed.head_object(Bucket=dst, Key=f"{k}/{key}")
    assert (head["ContentType"], head["Metadata"], head["StorageClass"]) == ("application/json", {"new": "2"}, "STANDARD_IA")
    assert "CacheControl" not in head
    assert tags(weed, dst, f"{k}/{key}") == {"fresh": "x/y"}


def test_empty_new_object_tagging_leaves_a_multipart_copy_untagged(weed, src, dst, big, k):
    key, _ = big
    op = copy_op(weed, SMALL_PARTS, TargetResource=to(dst), TargetKeyPrefix=k, NewObjectTagging=[])
    assert op.run(entry(src, key)).message == "Successful (multipart copy, 3 parts)"
    assert tags(weed, dst, f"{k}/{key}") == {}


def test_objects_at_or_under_the_threshold_use_one_copy_object(fresh, weed, src, dst, k):
    weed.put_object(Bucket=src, Key=k, Body=b"y" * (5 * MIB))
    sent = record_calls(fresh)
    assert copy_op(fresh, SMALL_PARTS, TargetResource=to(dst)).run(entry(src, k)) == SUCCESS
    assert [name for name, _ in sent] == ["HeadObject", "CopyObject"]
    assert weed.head_object(Bucket=dst, Key=k)["ContentLength"] == 5 * MIB


def test_multipart_copy_of_an_exact_version(weed, k):
    bucket = new_bucket(weed, "ver")
    weed.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    old = weed.put_object(Bucket=bucket, Key=k, Body=b"o" * (6 * MIB), Tagging="gen=old")["VersionId"]
    weed.put_object(Bucket=bucket, Key=k, Body=b"n" * (6 * MIB), Tagging="gen=new")
    op = copy_op(weed, SMALL_PARTS, TargetKeyPrefix="restored")
    assert op.run(entry(bucket, k, old)).message == "Successful (multipart copy, 2 parts)"
    assert weed.get_object(Bucket=bucket, Key=f"restored/{k}")["Body"].read() == b"o" * (6 * MIB)
    assert tags(weed, bucket, f"restored/{k}") == {"gen": "old"}


def test_a_missing_object_fails_with_no_such_key_under_a_lowered_threshold(weed, src, dst, k):
    # HeadObject's 404 has no code; the task must still say NoSuchKey, as CopyObject does.
    outcome, attempts = execute(copy_op(weed, SMALL_PARTS, TargetResource=to(dst)), entry(src, k))
    assert (outcome.http_status, outcome.error_code, attempts) == (404, "NoSuchKey", 1)


def test_a_failed_precondition_on_a_multipart_copy_fails_and_aborts(weed, src, big):
    key, _ = big
    bucket = new_bucket(weed, "mpfail")
    op = copy_op(weed, SMALL_PARTS, TargetResource=to(bucket), UnModifiedSinceConstraint="2001-01-01T00:00:00Z")
    outcome, attempts = execute(op, entry(src, key))
    assert (outcome.http_status, outcome.error_code, outcome.retryable, attempts) == (412, "PreconditionFailed", False, 1)
    assert uploads(weed, bucket) == []
    assert weed.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_a_source_overwritten_mid_copy_fails_retryably_and_aborts(fresh, weed, src, k):
    bucket = new_bucket(weed, "race")
    weed.put_object(Bucket=src, Key=k, Body=b"1" * BIG)
    client = fresh
    overwrite = iter([lambda: weed.put_object(Bucket=src, Key=k, Body=b"2" * BIG)])
    # After the first part is copied, another writer replaces the source (a real race).
    client.meta.events.register("after-call.s3.UploadPartCopy", lambda **_: next(overwrite, lambda: None)())
    op = copy_op(client, SMALL_PARTS, TargetResource=to(bucket))
    outcome = op.run(entry(src, k))
    assert (outcome.http_status, outcome.error_code, outcome.retryable) == (412, "PreconditionFailed", True)
    assert "changed during the multipart copy (part 2 of 3" in outcome.message
    assert uploads(weed, bucket) == []
    assert weed.list_objects_v2(Bucket=bucket)["KeyCount"] == 0
    # The engine retries it; the next attempt copies the new content whole.
    assert op.run(entry(src, k)).succeeded
    assert weed.get_object(Bucket=bucket, Key=k)["Body"].read() == b"2" * BIG


def test_size_refusal_from_copy_object_falls_back_to_multipart(fresh, weed, src, dst, big, k):
    # No local server refuses CopyObject above 5 GiB, and no test can afford a 5 GiB
    # object: this hook answers CopyObject exactly as AWS does; everything else is real.
    key, body = big
    client = fresh
    aws_answer = (b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InvalidRequest</Code><Message>The specified '
                  b"copy source is larger than the maximum allowable size for a copy source: 5368709120</Message>"
                  b"<RequestId>R</RequestId><HostId>H</HostId></Error>")  # fmt: skip
    raw = type("Raw", (), {"stream": lambda self, **_: iter([aws_answer])})()
    client.meta.events.register("before-send.s3.CopyObject",
                                lambda request, **_: AWSResponse(request.url, 400, {}, raw))  # fmt: skip
    sent = record_calls(client)
    op = copy_op(client, None, TargetResource=to(dst), TargetKeyPrefix=k)  # default threshold: 5 GiB
    assert op.run(entry(src, key)).message == "Successful (multipart copy, 1 part)"
    names = [name for name, _ in sent]
    assert names[:4] == ["CopyObject", "HeadObject", "GetObjectTagging", "CreateMultipartUpload"]
    assert names[4:] == ["UploadPartCopy", "CompleteMultipartUpload"]  # 512 MiB parts: one part
    assert weed.get_object(Bucket=dst, Key=f"{k}/{key}")["Body"].read() == body
    assert tags(weed, dst, f"{k}/{key}") == {"t": "1", "space": "a b"}


def test_small_objects_cost_one_call_at_the_default_threshold(fresh, weed, src, dst, k):
    weed.put_object(Bucket=src, Key=k, Body=b"x")
    sent = record_calls(fresh)
    assert copy_op(fresh, None, TargetResource=to(dst)).run(entry(src, k)) == SUCCESS
    assert [name for name, _ in sent] == ["CopyObject"]


def test_requester_pays_is_sent_on_every_call(fresh, weed, src, dst, big, k):
    key, _ = big
    client = fresh
    sent = record_calls(client)
    assert copy_op(client, SMALL_PARTS, TargetResource=to(dst), TargetKeyPrefix=k, RequesterPays=True).run(entry(src, key)).succeeded
    weed.put_object(Bucket=src, Key=f"{k}/small", Body=b"x")
    assert copy_op(client, SMALL_PARTS, TargetResource=to(dst), RequesterPays=True).run(entry(src, f"{k}/small")) == SUCCESS
    calls = ("HeadObject", "GetObjectTagging", "CreateMultipartUpload", "UploadPartCopy", "CompleteMultipartUpload",
             "CopyObject")  # fmt: skip
    assert {(name, headers.get("x-amz-request-payer")) for name, headers in sent} == {(n, b"requester") for n in calls}


def test_object_lock_on_a_multipart_copy(weed, src, big):
    key, _ = big
    locked = new_bucket(weed, "lock", ObjectLockEnabledForBucket=True)
    until = (datetime.now(timezone.utc) + timedelta(minutes=5)).replace(microsecond=0)
    op = copy_op(weed, SMALL_PARTS, TargetResource=to(locked), ObjectLockMode="GOVERNANCE",
                 ObjectLockRetainUntilDate=until.isoformat(), ObjectLockLegalHoldStatus="ON")  # fmt: skip
    assert op.run(entry(src, key)).succeeded
    head = weed.head_object(Bucket=locked, Key=key)
    assert (head["ObjectLockMode"], head["ObjectLockRetainUntilDate"], head["ObjectLockLegalHoldStatus"]) == (
        "GOVERNANCE", until, "ON")  # fmt: skip


# --- What SeaweedFS ignores, on moto -----------------------------------------------------


@pytest.fixture(scope="module")
def moto(moto_server):
    return moto_server.client("s3", retries={"total_max_attempts": 1})


@pytest.fixture
def moto_fresh(moto_server):
    """A moto client of its own, for tests that hook into its requests."""
    return moto_server.client("s3", retries={"total_max_attempts": 1})


@pytest.fixture(scope="module")
def moto_src(moto) -> tuple[str, str, bytes]:
    bucket = new_bucket(moto, "src")
    body = os.urandom(BIG)
    moto.put_object(Bucket=bucket, Key="big", Body=body, Tagging="t=1")
    moto.put_object(Bucket=bucket, Key="small", Body=b"small")
    return bucket, "big", body


@pytest.mark.parametrize(("key", "message"), [("small", "Successful"), ("big", "Successful (multipart copy, 3 parts)")])
def test_grants_encryption_checksum_and_redirect_reach_the_new_object(moto, moto_fresh, moto_src, key, message):
    bucket = moto_src[0]
    dst = new_bucket(moto, "dst")
    sent = record_calls(moto_fresh, only="CreateMultipartUpload")
    grants = [{"Grantee": {"TypeIdentifier": "id", "Identifier": "c0ffee"}, "Permission": "READ"},
              {"Grantee": {"TypeIdentifier": "uri", "Identifier": ALL_USERS}, "Permission": "READ_ACP"}]  # fmt: skip
    op = copy_op(moto_fresh, SMALL_PARTS, TargetResource=to(dst), AccessControlGrants=grants, SSEAwsKmsKeyId=KMS_KEY,
                 BucketKeyEnabled=True, ChecksumAlgorithm="SHA256", RedirectLocation="/moved.html")  # fmt: skip
    assert op.run(entry(bucket, key)) == TaskOutcome(True, message=message)
    head = moto.head_object(Bucket=dst, Key=key, ChecksumMode="ENABLED")
    assert (head["ServerSideEncryption"], head["SSEKMSKeyId"]) == ("aws:kms", KMS_KEY)
    # moto keeps BucketKeyEnabled from CopyObject only; on the multipart path, check it was sent.
    sent_bucket_key = {headers.get("x-amz-server-side-encryption-bucket-key-enabled") for _, headers in sent}
    if key == "small":
        assert head["BucketKeyEnabled"] is True
    else:
        assert sent_bucket_key == {b"true"}
    assert head["WebsiteRedirectLocation"] == "/moved.html" and head.get("ChecksumSHA256")
    acl = {(g["Grantee"].get("ID") or g["Grantee"].get("URI"), g["Permission"]) for g in moto.get_object_acl(Bucket=dst, Key=key)["Grants"]}
    assert acl == {("c0ffee", "READ"), (ALL_USERS, "READ_ACP")}
    assert moto.get_object(Bucket=dst, Key=key)["Body"].read() == (b"small" if key == "small" else moto_src[2])


def test_object_lock_on_copy_object(moto, moto_fresh, moto_src):
    # SeaweedFS ignores Object Lock headers on CopyObject. moto applies them, but wants
    # Content-MD5 or an SDK checksum header on any PUT that carries them, a rule AWS
    # has for uploads, not copies: the hook adds one, the rest is our request.
    bucket = moto_src[0]
    locked = new_bucket(moto, "lock", ObjectLockEnabledForBucket=True)
    moto_fresh.meta.events.register("before-sign.s3.CopyObject", lambda request, **_: request.headers.__setitem__(
        "x-amz-sdk-checksum-algorithm", "CRC32"))  # fmt: skip
    until = (datetime.now(timezone.utc) + timedelta(days=1)).replace(microsecond=0)
    op = copy_op(moto_fresh, None, TargetResource=to(locked), ObjectLockMode="COMPLIANCE",
                 ObjectLockRetainUntilDate=until.isoformat(), ObjectLockLegalHoldStatus="ON")  # fmt: skip
    assert op.run(entry(bucket, "small")) == SUCCESS
    head = moto.head_object(Bucket=locked, Key="small")
    assert (head["ObjectLockMode"], head["ObjectLockRetainUntilDate"], head["ObjectLockLegalHoldStatus"]) == (
        "COMPLIANCE", until, "ON")  # fmt: skip
