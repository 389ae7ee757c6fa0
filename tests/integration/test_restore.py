"""`S3InitiateRestoreObject` against moto (SeaweedFS has no restore: 405).

moto restores at once, so a second request finds a restored copy (200). It never
answers 409 RestoreAlreadyInProgress, cannot show which tier was asked for, and
restores the current version whatever VersionId says; so a tiny local server answers
409 and records the request, which shows the version and tier on the wire.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from urllib.parse import quote

import boto3
import pytest
from botocore.config import Config

from s3batch_tui.core.engine.retry import RetryPolicy
from s3batch_tui.core.errors import InputError
from s3batch_tui.core.manifest.entry import ManifestEntry
from s3batch_tui.core.operations.base import OperationContext, TaskOutcome
from s3batch_tui.core.operations.restore import InitiateRestoreObjectOperation, restore_request
from s3batch_tui.core.spec import JobOperation
from tests.integration.tiny_http import ScriptedHandler, serve


def entry(bucket: str, key: str, version_id: str | None = None) -> ManifestEntry:
    return ManifestEntry(ordinal=0, bucket=bucket, key=key, version_id=version_id, raw_key=quote(key))


def params(**fields):
    return JobOperation.model_validate({"S3InitiateRestoreObject": fields}).params


def execute(operation, task: ManifestEntry) -> tuple[TaskOutcome, int]:
    return RetryPolicy(sleep=lambda s: None).execute(operation, task)


@pytest.fixture(scope="module")
def s3(moto_server):
    """A moto S3 client, for setup and for the operations."""
    return moto_server.client("s3")


@pytest.fixture(scope="module")
def archive(s3) -> str:
    """A versioned moto bucket shared by the module (each test uses its own keys)."""
    name = f"restore-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=name)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return name


@pytest.fixture
def put(s3, archive):
    """Put an object in a storage class under a fresh key; returns (key, version id)."""

    def put(storage_class: str, key: str | None = None) -> tuple[str, str]:
        key = key or f"{uuid.uuid4().hex[:12]}/{storage_class}"
        response = s3.put_object(Bucket=archive, Key=key, Body=b"x", StorageClass=storage_class)
        return key, response["VersionId"]

    return put


def restore(s3, days: int | None = 1, tier: str | None = "BULK") -> InitiateRestoreObjectOperation:
    fields = {k: v for k, v in {"ExpirationInDays": days, "GlacierJobTier": tier}.items() if v is not None}
    return InitiateRestoreObjectOperation(params(**fields), OperationContext(s3=s3, job_id="t"))


def restore_header(s3, bucket: str, key: str, version_id: str) -> str | None:
    return s3.head_object(Bucket=bucket, Key=key, VersionId=version_id).get("Restore")


@pytest.mark.parametrize("storage_class", ["GLACIER", "DEEP_ARCHIVE"])
def test_restore_is_initiated_then_found_restored(s3, archive, put, storage_class):
    key, version = put(storage_class)
    op = restore(s3, days=2)
    assert op.run(entry(archive, key)) == TaskOutcome(True, 200, "", "Restore initiated")
    assert "expiry-date" in restore_header(s3, archive, key, version)
    again = op.run(entry(archive, key))
    assert again == TaskOutcome(True, 200, "", "Already restored (its expiry is now 2 day(s) from today)")


@pytest.mark.parametrize("days", [1, None])
def test_an_object_in_no_archive_class_fails_with_invalid_object_state(s3, archive, put, days):
    key, _ = put("STANDARD")
    outcome, attempts = execute(restore(s3, days=days), entry(archive, key))
    assert (outcome.succeeded, outcome.http_status, outcome.error_code) == (False, 403, "InvalidObjectState")
    assert attempts == 1


@pytest.mark.parametrize("storage_class", ["GLACIER", "DEEP_ARCHIVE"])
def test_glacier_classes_without_days_fail_before_any_restore(s3, archive, put, storage_class):
    key, version = put(storage_class)
    outcome, _ = execute(restore(s3, days=None), entry(archive, key, version))
    assert (outcome.succeeded, outcome.http_status, outcome.error_code) == (False, 400, "MissingExpirationInDays")
    assert outcome.message.startswith(f"the object is in {storage_class}: restoring it needs ExpirationInDays")
    assert restore_header(s3, archive, key, version) is None


def test_a_missing_object_without_days_fails_with_no_such_key(s3, archive):
    outcome, _ = execute(restore(s3, days=None), entry(archive, "no/such/key"))
    assert (outcome.succeeded, outcome.http_status, outcome.error_code) == (False, 404, "NoSuchKey")


def test_restore_request_maps_days_and_tier():
    assert restore_request(params(ExpirationInDays=3, GlacierJobTier="STANDARD")) == {
        "Days": 3, "GlacierJobParameters": {"Tier": "Standard"},
    }  # fmt: skip
    assert restore_request(params(GlacierJobTier="BULK")) == {"GlacierJobParameters": {"Tier": "Bulk"}}
    assert restore_request(params()) == {}


def test_zero_days_is_refused_when_the_job_is_built():
    with pytest.raises(InputError) as caught:
        InitiateRestoreObjectOperation(params(ExpirationInDays=0), OperationContext(None, "t"))
    assert str(caught.value).startswith("Operation.S3InitiateRestoreObject.ExpirationInDays: must be 1 or more")


# --- Restore already in progress (409), from a tiny real HTTP server -----------------


class InProgress(ScriptedHandler):
    """Answers every POST with 409 RestoreAlreadyInProgress and keeps what it got."""

    requests: list[tuple[str, bytes]] = []
    ERROR = (
        b"<Error><Code>RestoreAlreadyInProgress</Code>"
        b"<Message>Object restore is already in progress</Message></Error>"
    )

    def do_POST(self):  # noqa: N802 - http.server's naming
        type(self).requests.append((self.path, self.rfile.read(int(self.headers.get("Content-Length") or 0))))
        self.reply(409, self.ERROR)


@pytest.fixture
def in_progress_server() -> Iterator[tuple[str, type[InProgress]]]:
    with serve(InProgress, requests=[]) as served:
        yield served


def test_a_restore_already_in_progress_succeeds_and_says_so(in_progress_server):
    url, handler = in_progress_server
    config = Config(retries={"total_max_attempts": 1}, s3={"addressing_style": "path"})
    client = boto3.client(
        "s3", endpoint_url=url, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y", config=config
    )
    outcome, attempts = execute(restore(client, days=5, tier="STANDARD"), entry("bkt", "a b", "v1"))
    assert (outcome, attempts) == (TaskOutcome(True, 200, "", "Restore already in progress"), 1)
    ((path, body),) = handler.requests
    assert path == "/bkt/a%20b?restore&versionId=v1"
    assert b"<Days>5</Days>" in body and b"<GlacierJobParameters><Tier>Standard</Tier></GlacierJobParameters>" in body
