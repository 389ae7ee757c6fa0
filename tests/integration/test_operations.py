"""Operations and retries against real servers: SeaweedFS, and a tiny throttling server."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from http.server import ThreadingHTTPServer
from urllib.parse import quote

import boto3
import pytest
from botocore.config import Config

from s3batch_tui.core.engine.retry import RetryPolicy
from s3batch_tui.core.errors import InputError
from s3batch_tui.core.manifest.entry import ManifestEntry
from s3batch_tui.core.operations.base import SUCCESS, OperationContext, TaskOutcome
from s3batch_tui.core.operations.copy import PutObjectCopyOperation, copy_arguments, destination_key
from tests.integration.tiny_http import ScriptedHandler, serve
from s3batch_tui.core.operations.registry import AWS_ONLY, OPERATIONS, build_operation
from s3batch_tui.core.spec import JobOperation

# SeaweedFS normalises keys ("\\" becomes "/", "//" becomes "/", a leading "/" goes), so
# such keys are left out: they test the server, not us.
ODD_KEYS = [
    "with space/and+plus.txt",
    "100% sure",
    "ünïcødé/日本語 キー",
    "a%2Fb?x=1&y#z",
    "-_.!*'()[]{}~^`|<>",
]


def entry(bucket: str, key: str, version_id: str | None = None) -> ManifestEntry:
    """A manifest entry as a CSV reader would yield it."""
    return ManifestEntry(ordinal=0, bucket=bucket, key=key, version_id=version_id, raw_key=quote(key))


def tags(s3, bucket: str, key: str, version_id: str | None = None) -> dict[str, str]:
    extra = {"VersionId": version_id} if version_id else {}
    return {t["Key"]: t["Value"] for t in s3.get_object_tagging(Bucket=bucket, Key=key, **extra)["TagSet"]}


def failure(outcome: TaskOutcome, attempts: int) -> tuple[int, str, bool, int]:
    """What a failed task reports: (HTTP status, error code, retryable, attempts)."""
    return outcome.http_status, outcome.error_code, outcome.retryable, attempts


def copy_spec(**params) -> dict:
    return {"S3PutObjectCopy": params}


def make_bucket(s3, role: str) -> str:
    name = f"ops-{role}-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=name)
    return name


# The first write to a new SeaweedFS bucket costs ~0.2 s (it allocates a volume), so
# the buckets are shared by the module and every test works under its own key `k`.


@pytest.fixture(scope="module")
def src(seaweed) -> str:
    """Source bucket, shared by this module's tests."""
    return make_bucket(seaweed.client(), "src")


@pytest.fixture(scope="module")
def dst(seaweed) -> str:
    """Destination bucket, shared by this module's tests."""
    return make_bucket(seaweed.client(), "dst")


@pytest.fixture(scope="module")
def versioned_bucket(seaweed) -> str:
    """A bucket with versioning enabled, shared by this module's tests."""
    s3 = seaweed.client()
    name = make_bucket(s3, "ver")
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return name


@pytest.fixture
def k() -> str:
    """A key no other test uses."""
    return f"{uuid.uuid4().hex[:12]}/k"


@pytest.fixture
def versions(s3, versioned_bucket, k) -> tuple[str, str]:
    """Object `k` written twice, tagged gen=old then gen=current: (old, current) versions."""
    old = s3.put_object(Bucket=versioned_bucket, Key=k, Body=b"old", Tagging="gen=old")["VersionId"]
    current = s3.put_object(Bucket=versioned_bucket, Key=k, Body=b"current", Tagging="gen=current")["VersionId"]
    return old, current


@pytest.fixture(scope="module")
def context(seaweed) -> OperationContext:
    """What operations get: a client without botocore retries.

    (`retries={"max_attempts": 1}` would still allow one retry: botocore counts retries
    there; `total_max_attempts` counts attempts.)
    """
    return OperationContext(s3=seaweed.client(retries={"total_max_attempts": 1}), job_id="test")


@pytest.fixture
def build(context):
    """Build the operation for a `JobOperation` dict."""
    return lambda spec: build_operation(JobOperation.model_validate(spec), context)


def tag_set(**pairs: str) -> dict:
    return {"S3PutObjectTagging": {"TagSet": [{"Key": key, "Value": value} for key, value in pairs.items()]}}


# --- Tagging --------------------------------------------------------------------------


def test_put_tagging_replaces_the_whole_set(build, s3, src, k):
    s3.put_object(Bucket=src, Key=k, Body=b"x", Tagging="keep=no&old=1")
    assert build(tag_set(team="a b", n="")).run(entry(src, k)) == SUCCESS
    assert tags(s3, src, k) == {"team": "a b", "n": ""}


def test_put_tagging_on_a_version_leaves_the_current_one_alone(build, s3, versioned_bucket, versions, k):
    old, current = versions
    assert build(tag_set(archived="yes")).run(entry(versioned_bucket, k, old)) == SUCCESS
    assert tags(s3, versioned_bucket, k, old) == {"archived": "yes"}
    assert tags(s3, versioned_bucket, k, current) == {"gen": "current"}
    assert tags(s3, versioned_bucket, k) == {"gen": "current"}


def test_put_tagging_on_the_current_object_leaves_old_versions_alone(build, s3, versioned_bucket, versions, k):
    old, _ = versions
    assert build(tag_set(latest="1")).run(entry(versioned_bucket, k)) == SUCCESS
    assert tags(s3, versioned_bucket, k) == {"latest": "1"}
    assert tags(s3, versioned_bucket, k, old) == {"gen": "old"}


def test_empty_tag_set_removes_all_tags(build, s3, src, k):
    s3.put_object(Bucket=src, Key=k, Body=b"x", Tagging="a=1")
    assert build(tag_set()).run(entry(src, k)) == SUCCESS
    assert tags(s3, src, k) == {}


def test_delete_tagging(build, s3, versioned_bucket, versions, k):
    old, current = versions
    op = build({"S3DeleteObjectTagging": {}})
    assert op.run(entry(versioned_bucket, k, old)) == SUCCESS
    assert tags(s3, versioned_bucket, k, old) == {}
    assert tags(s3, versioned_bucket, k, current) == {"gen": "current"}
    assert op.run(entry(versioned_bucket, k)) == SUCCESS
    assert tags(s3, versioned_bucket, k) == {}


def test_tagging_a_missing_key_fails_with_no_such_key(build, src, k):
    outcome, attempts = RetryPolicy(sleep=lambda s: None).execute(build(tag_set(a="1")), entry(src, k))
    assert not outcome.succeeded and outcome.message
    assert failure(outcome, attempts) == (404, "NoSuchKey", False, 1)


@pytest.mark.parametrize("name", ODD_KEYS)
def test_tagging_odd_keys(build, s3, src, k, name):
    key = f"{k}/{name}"
    s3.put_object(Bucket=src, Key=key, Body=b"x")
    assert build(tag_set(k="v/é +=:@")).run(entry(src, key)) == SUCCESS
    assert tags(s3, src, key) == {"k": "v/é +=:@"}


# --- Copy -----------------------------------------------------------------------------


def to(bucket: str, **params) -> dict:
    """An S3PutObjectCopy spec targeting `bucket`."""
    return copy_spec(TargetResource=f"arn:aws:s3:::{bucket}", **params)


def test_copy_to_another_bucket_keeps_key_metadata_and_tags(build, s3, src, dst, k):
    s3.put_object(Bucket=src, Key=k, Body=b"body", ContentType="text/csv", Metadata={"m": "1"}, Tagging="t=1")
    assert build(to(dst)).run(entry(src, k)) == SUCCESS
    copied = s3.get_object(Bucket=dst, Key=k)
    assert (copied["Body"].read(), copied["ContentType"], copied["Metadata"]) == (b"body", "text/csv", {"m": "1"})
    assert tags(s3, dst, k) == {"t": "1"}


def test_copy_with_prefix_puts_a_slash_between_prefix_and_key(build, s3, src, dst, k):
    s3.put_object(Bucket=src, Key=k, Body=b"x")
    assert build(to(dst, TargetKeyPrefix="backup")).run(entry(src, k)) == SUCCESS
    assert s3.get_object(Bucket=dst, Key=f"backup/{k}")["Body"].read() == b"x"


def test_destination_key_follows_the_aws_rule_literally():
    # A prefix ending in "/" still gets one more (AWS does this). Checked without a
    # server: SeaweedFS folds "//" in keys into "/".
    assert destination_key("dir/k", "b2/") == "b2//dir/k"
    assert destination_key("dir/k", "backup") == "backup/dir/k"
    assert destination_key("dir/k", None) == destination_key("dir/k", "") == "dir/k"


def test_copy_without_target_stays_in_the_source_bucket(build, s3, src, k):
    s3.put_object(Bucket=src, Key=k, Body=b"x")
    assert build(copy_spec(TargetKeyPrefix="copies")).run(entry(src, k)) == SUCCESS
    assert s3.get_object(Bucket=src, Key=f"copies/{k}")["Body"].read() == b"x"


def test_copy_within_the_bucket_sets_the_storage_class(build, s3, src, k):
    # SeaweedFS reports StorageClass on HeadObject (omitted for STANDARD, like AWS).
    s3.put_object(Bucket=src, Key=k, Body=b"x", Metadata={"m": "1"})
    assert s3.head_object(Bucket=src, Key=k).get("StorageClass", "STANDARD") == "STANDARD"
    assert build(copy_spec(TargetKeyPrefix="ia", StorageClass="STANDARD_IA")).run(entry(src, k)) == SUCCESS
    head = s3.head_object(Bucket=src, Key=f"ia/{k}")
    assert (head["StorageClass"], head["Metadata"]) == ("STANDARD_IA", {"m": "1"})


def test_copy_in_place_with_replace_changes_the_storage_class(build, s3, src, k):
    # AWS also allows an in-place copy that changes only the storage class; SeaweedFS
    # (4.x) refuses it unless MetadataDirective is REPLACE, so that is what we test.
    s3.put_object(Bucket=src, Key=k, Body=b"x", Metadata={"m": "1"})
    metadata = {"UserMetadata": {"m": "1"}}
    spec = copy_spec(StorageClass="STANDARD_IA", MetadataDirective="REPLACE", NewObjectMetadata=metadata)
    assert build(spec).run(entry(src, k)) == SUCCESS
    head = s3.head_object(Bucket=src, Key=k)
    assert (head["StorageClass"], head["Metadata"]) == ("STANDARD_IA", {"m": "1"})


def test_copy_onto_itself_without_changes_fails_like_aws(build, s3, src, k):
    s3.put_object(Bucket=src, Key=k, Body=b"x")
    outcome, attempts = RetryPolicy(sleep=lambda s: None).execute(build(copy_spec()), entry(src, k))
    assert failure(outcome, attempts) == (400, "InvalidRequest", False, 1)
    assert "copy an object to itself" in outcome.message


def test_replace_metadata(build, s3, src, dst, k):
    s3.put_object(Bucket=src, Key=k, Body=b"x", ContentType="text/plain", Metadata={"old": "1"})
    expires = datetime(2031, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    metadata = {
        "ContentType": "application/json",
        "CacheControl": "max-age=60",
        "ContentDisposition": "attachment",
        "ContentEncoding": "identity",
        "ContentLanguage": "fr",
        "HttpExpiresDate": expires.isoformat(),
        "UserMetadata": {"new": "2"},
        "SSEAlgorithm": "AES256",
    }
    assert build(to(dst, MetadataDirective="REPLACE", NewObjectMetadata=metadata)).run(entry(src, k)) == SUCCESS
    head = s3.head_object(Bucket=dst, Key=k)
    assert (head["ContentType"], head["Metadata"]) == ("application/json", {"new": "2"})
    assert (head["CacheControl"], head["ContentDisposition"]) == ("max-age=60", "attachment")
    assert head["ContentLanguage"] == "fr"
    assert (head["ContentEncoding"], head["Expires"], head["ServerSideEncryption"]) == ("identity", expires, "AES256")


def test_copy_directive_keeps_source_metadata_even_when_new_metadata_is_given(build, s3, src, dst, k):
    s3.put_object(Bucket=src, Key=k, Body=b"x", ContentType="text/plain", Metadata={"old": "1"})
    new = {"ContentType": "image/png", "UserMetadata": {"new": "2"}}
    assert build(to(dst, MetadataDirective="COPY", NewObjectMetadata=new)).run(entry(src, k)) == SUCCESS
    head = s3.head_object(Bucket=dst, Key=k)
    assert (head["ContentType"], head["Metadata"]) == ("text/plain", {"old": "1"})


def test_new_object_tagging_replaces_the_tags_of_the_copy(build, s3, src, dst, k):
    s3.put_object(Bucket=src, Key=k, Body=b"x", Tagging="src=1")
    # Characters that URL encoding must protect, within what S3 allows in tags.
    new_tags = [{"Key": "a b", "Value": "c+d=e"}, {"Key": "ü", "Value": "x/y:@"}]
    assert build(to(dst, NewObjectTagging=new_tags)).run(entry(src, k)) == SUCCESS
    assert tags(s3, dst, k) == {"a b": "c+d=e", "ü": "x/y:@"}
    assert tags(s3, src, k) == {"src": "1"}


def test_empty_new_object_tagging_copies_without_tags(build, s3, src, dst, k):
    s3.put_object(Bucket=src, Key=k, Body=b"x", Tagging="src=1")
    assert build(to(dst, NewObjectTagging=[])).run(entry(src, k)) == SUCCESS
    assert tags(s3, dst, k) == {}


def test_canned_acl_is_accepted(build, s3, src, dst, k):
    # SeaweedFS accepts canned ACLs on copy but GetObjectAcl still shows only the
    # owner's FULL_CONTROL, so all we can check here is that the copy succeeds.
    s3.put_object(Bucket=src, Key=k, Body=b"x")
    assert build(to(dst, CannedAccessControlList="bucket-owner-full-control")).run(entry(src, k)) == SUCCESS
    assert s3.get_object_acl(Bucket=dst, Key=k)["Grants"]


def test_copy_of_a_specific_version(build, s3, versioned_bucket, versions, dst, k):
    old, _ = versions
    assert build(to(dst)).run(entry(versioned_bucket, k, old)) == SUCCESS
    assert s3.get_object(Bucket=dst, Key=k)["Body"].read() == b"old"
    assert tags(s3, dst, k) == {"gen": "old"}


@pytest.mark.parametrize("name", ODD_KEYS)
def test_copy_odd_keys(build, s3, src, dst, k, name):
    key = f"{k}/{name}"
    s3.put_object(Bucket=src, Key=key, Body=name.encode())
    assert build(to(dst, TargetKeyPrefix="p q%")).run(entry(src, key)) == SUCCESS
    assert s3.get_object(Bucket=dst, Key=f"p q%/{key}")["Body"].read() == name.encode()


def test_copy_of_a_missing_key_fails_with_no_such_key(build, src, dst, k):
    outcome, attempts = RetryPolicy(sleep=lambda s: None).execute(build(to(dst)), entry(src, k))
    assert failure(outcome, attempts) == (404, "NoSuchKey", False, 1)


# --- Refused before anything is touched ---------------------------------------------


@pytest.mark.parametrize(
    ("params", "where"),
    [
        ({"ObjectLockEventHold": "ON"}, "ObjectLockEventHold"),
        ({"ObjectLockEventHoldDuration": {"Days": 1}}, "ObjectLockEventHoldDuration"),
        ({"AnnotationDirective": "COPY"}, "AnnotationDirective"),
    ],
)
def test_unsupported_copy_parameters_are_refused_by_path(params, where):
    with pytest.raises(InputError) as caught:
        PutObjectCopyOperation(JobOperation.model_validate(copy_spec(**params)).params, OperationContext(None, "t"))
    assert str(caught.value).startswith(f"Operation.S3PutObjectCopy.{where}: no server we can test against implements")


def test_copy_arguments_map_the_spec_to_copy_object():
    metadata = {"ContentType": "text/plain", "UserMetadata": {"a": "1"}, "SSEAlgorithm": "KMS", "ContentLength": 3}
    spec = copy_spec(
        MetadataDirective="REPLACE",
        NewObjectMetadata=metadata,
        NewObjectTagging=[{"Key": "k 1", "Value": "v&=/"}],
        StorageClass="GLACIER_IR",
        CannedAccessControlList="private",
    )
    assert copy_arguments(JobOperation.model_validate(spec).params) == {
        "MetadataDirective": "REPLACE",
        "ContentType": "text/plain",
        "Metadata": {"a": "1"},
        "ServerSideEncryption": "aws:kms",
        "TaggingDirective": "REPLACE",
        "Tagging": "k%201=v%26%3D%2F",
        "StorageClass": "GLACIER_IR",
        "ACL": "private",
    }


def test_copy_arguments_under_copy_keep_only_encryption():
    metadata = {"ContentType": "text/plain", "SSEAlgorithm": "AES256"}
    params = JobOperation.model_validate(copy_spec(NewObjectMetadata=metadata)).params
    assert copy_arguments(params) == {"MetadataDirective": "COPY", "ServerSideEncryption": "AES256"}


def test_defaults_given_explicitly_are_not_refused():
    params = copy_spec(RequesterPays=False, BucketKeyEnabled=False)
    PutObjectCopyOperation(JobOperation.model_validate(params).params, OperationContext(None, "t"))


def test_local_target_is_refused():
    params = JobOperation.model_validate(copy_spec(TargetResource="file:///tmp/out")).params
    with pytest.raises(InputError, match=r"^Operation\.S3PutObjectCopy\.TargetResource: .*file://"):
        PutObjectCopyOperation(params, OperationContext(None, "t"))


@pytest.mark.parametrize("name", ["S3ReplicateObject", "S3UpdateObjectEncryption"])
def test_aws_only_operations_are_refused(name):
    with pytest.raises(InputError) as caught:
        build_operation(JobOperation.model_validate({name: {}}), OperationContext(None, "t"))
    assert str(caught.value) == f"Operation.{name}: runs only on AWS S3 Batch Operations"


def test_every_aws_operation_runs_locally_or_is_refused_as_aws_only():
    members = {field.alias for field in JobOperation.model_fields.values()}
    assert set(OPERATIONS) | AWS_ONLY == members
    assert not set(OPERATIONS) & AWS_ONLY
    for name in AWS_ONLY:
        with pytest.raises(InputError) as caught:
            build_operation(JobOperation.model_validate({name: {}}), OperationContext(None, "t"))
        assert str(caught.value) == f"Operation.{name}: runs only on AWS S3 Batch Operations"


def test_registry_names_match_the_classes():
    assert all(cls.name == name for name, cls in OPERATIONS.items())


# --- Retries against a real (tiny) server -------------------------------------------


class Throttling(ScriptedHandler):
    """Answers `fail` PUTs with 503 SlowDown, then 200; counts what it got."""

    fail = 2
    received = 0
    SLOW_DOWN = b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"

    def do_PUT(self):  # noqa: N802 - http.server's naming
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        type(self).received += 1
        failing = type(self).received <= type(self).fail
        body = self.SLOW_DOWN if failing else b""
        self.reply(503 if failing else 200, body)


@pytest.fixture
def throttling_server() -> Iterator[tuple[str, type[Throttling]]]:
    with serve(Throttling, received=0) as served:
        yield served


def bare_client(endpoint_url: str):
    config = Config(
        retries={"total_max_attempts": 1}, s3={"addressing_style": "path"}, connect_timeout=2, read_timeout=5
    )
    return boto3.client(
        "s3", endpoint_url=endpoint_url, region_name="us-east-1",
        aws_access_key_id="x", aws_secret_access_key="y", config=config,
    )  # fmt: skip


def tagging_operation(endpoint_url: str):
    context = OperationContext(s3=bare_client(endpoint_url), job_id="test")
    return build_operation(JobOperation.model_validate({"S3PutObjectTagging": {"TagSet": []}}), context)


def test_slow_down_is_retried_until_the_server_accepts(throttling_server):
    url, handler = throttling_server
    waits: list[float] = []
    policy = RetryPolicy(sleep=waits.append, random=lambda: 1.0)
    assert policy.execute(tagging_operation(url), entry("bkt", "k")) == (SUCCESS, 3)
    assert handler.received == 3 and waits == [0.1, 0.2]


def test_slow_down_that_never_ends_is_reported_after_the_last_attempt(throttling_server):
    url, handler = throttling_server
    handler.fail = 10
    policy = RetryPolicy(max_attempts=4, sleep=lambda s: None)
    outcome, attempts = policy.execute(tagging_operation(url), entry("bkt", "k"))
    assert failure(outcome, attempts) == (503, "SlowDown", True, 4)
    assert outcome.message == "Please reduce your request rate."
    assert handler.received == 4


def test_connection_refused_is_retried_then_reported_without_status():
    closed = ThreadingHTTPServer(("127.0.0.1", 0), Throttling)
    port = closed.server_address[1]
    closed.server_close()  # nothing listens there any more
    outcome, attempts = RetryPolicy(max_attempts=2, sleep=lambda s: None).execute(
        tagging_operation(f"http://127.0.0.1:{port}"), entry("bkt", "k")
    )
    assert failure(outcome, attempts) == (0, "EndpointConnectionError", True, 2)
