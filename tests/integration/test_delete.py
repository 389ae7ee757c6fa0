"""LocalDeleteObject against SeaweedFS: batches, versions, odd keys, Object Lock, confirmation."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest

from s3batch_tui.core.engine.retry import RetryPolicy
from s3batch_tui.core.errors import InputError
from s3batch_tui.core.manifest.entry import ManifestEntry
from s3batch_tui.core.operations.base import OperationContext, TaskOutcome, is_batch
from s3batch_tui.core.operations.delete import LocalDeleteObjectOperation, deleted_outcome, key_error_outcome
from s3batch_tui.core.spec import JobOperation, LocalDeleteObject, load_job_spec

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
DELETED = TaskOutcome(True, message="Deleted")


def entry(bucket: str, key: str, version_id: str | None = None, ordinal: int = 0) -> ManifestEntry:
    return ManifestEntry(ordinal=ordinal, bucket=bucket, key=key, version_id=version_id, raw_key=quote(key))


def make_bucket(s3, role: str, **extra) -> str:
    name = f"del-{role}-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=name, **extra)
    return name


def keys_in(s3, bucket: str) -> set[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return {o["Key"] for page in pages for o in page.get("Contents", [])}


def versions_of(s3, bucket: str, key: str) -> list[str]:
    listing = s3.list_object_versions(Bucket=bucket, Prefix=key)
    return [v["VersionId"] for v in listing.get("Versions", []) if v["Key"] == key]


@pytest.fixture(scope="module")
def plain(seaweed) -> str:
    return make_bucket(seaweed.client(), "plain")


@pytest.fixture(scope="module")
def versioned(seaweed) -> str:
    s3 = seaweed.client()
    name = make_bucket(s3, "ver")
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return name


@pytest.fixture(scope="module")
def context(seaweed) -> OperationContext:
    return OperationContext(s3=seaweed.client(retries={"total_max_attempts": 1}), job_id="t", delete_confirmed=True)


@pytest.fixture
def op(context) -> LocalDeleteObjectOperation:
    return LocalDeleteObjectOperation(LocalDeleteObject(), context)


@pytest.fixture
def k() -> str:
    return uuid.uuid4().hex[:12]


@contextmanager
def sent_deletes(client) -> Iterator[list[list[dict]]]:
    """The `Objects` of each DeleteObjects call `client` makes meanwhile (observed, not stubbed)."""
    sent: list[list[dict]] = []

    def hook(params, **_):
        sent.append(params["Delete"]["Objects"])

    client.meta.events.register("provide-client-params.s3.DeleteObjects", hook)
    try:
        yield sent
    finally:
        client.meta.events.unregister("provide-client-params.s3.DeleteObjects", hook)


# --- Confirmation ---------------------------------------------------------------------


def test_refused_without_confirmation():
    with pytest.raises(InputError) as caught:
        LocalDeleteObjectOperation(LocalDeleteObject(), OperationContext(s3=None, job_id="t"))
    assert caught.value.code == "DeleteNotConfirmed"
    assert str(caught.value) == (
        'Operation.LocalDeleteObject: deleting needs confirmation: set {"LocalDeleteObject": {"Confirmed": true}}'
        " in the job file or pass --yes-delete"
    )


@pytest.mark.parametrize(("confirmed", "flag"), [(True, False), (False, True), (True, True)])
def test_built_when_the_job_or_the_cli_confirms(confirmed, flag):
    params = JobOperation.model_validate({"LocalDeleteObject": {"Confirmed": confirmed}}).params
    op = LocalDeleteObjectOperation(params, OperationContext(s3=None, job_id="t", delete_confirmed=flag))
    assert is_batch(op) and op.batch_size == 1000 and op.name == "LocalDeleteObject"


# --- Deleting -------------------------------------------------------------------------


def test_deletes_current_objects_and_missing_keys_succeed(op, s3, plain, k):
    for name in ("a", "b"):
        s3.put_object(Bucket=plain, Key=f"{k}/{name}", Body=b"x")
    s3.put_object(Bucket=plain, Key=f"{k}/keep", Body=b"x")
    outcomes = op.run_batch([entry(plain, f"{k}/a"), entry(plain, f"{k}/missing"), entry(plain, f"{k}/b")])
    assert outcomes == [DELETED, DELETED, DELETED]  # S3 deletes are idempotent: a missing key "succeeds"
    assert keys_in(s3, plain) >= {f"{k}/keep"} and not keys_in(s3, plain) & {f"{k}/a", f"{k}/b"}


def test_exact_versions_go_and_the_others_stay(op, s3, versioned, k):
    v1, v2, v3 = (s3.put_object(Bucket=versioned, Key=k, Body=str(i).encode())["VersionId"] for i in range(3))
    assert op.run_batch([entry(versioned, k, v1), entry(versioned, k, v3)]) == [
        TaskOutcome(True, message=f"Deleted version {v1}"),
        TaskOutcome(True, message=f"Deleted version {v3}"),
    ]
    assert versions_of(s3, versioned, k) == [v2]
    assert s3.get_object(Bucket=versioned, Key=k)["Body"].read() == b"1"  # v2 became current


def test_current_object_on_a_versioned_bucket_gets_a_delete_marker(op, s3, versioned, k):
    v1 = s3.put_object(Bucket=versioned, Key=k, Body=b"x")["VersionId"]
    (outcome,) = op.run_batch([entry(versioned, k)])
    markers = [m["VersionId"] for m in s3.list_object_versions(Bucket=versioned, Prefix=k).get("DeleteMarkers", [])]
    assert outcome == TaskOutcome(True, message=f"Deleted (delete marker {markers[0]} created)")
    assert versions_of(s3, versioned, k) == [v1]  # the data is still there, behind the marker


def test_the_same_object_twice_in_a_batch_is_sent_once_and_both_get_the_outcome(op, context, s3, versioned, k):
    v1 = s3.put_object(Bucket=versioned, Key=k, Body=b"1")["VersionId"]
    v2 = s3.put_object(Bucket=versioned, Key=k, Body=b"2")["VersionId"]
    with sent_deletes(context.s3) as sent:
        outcomes = op.run_batch([entry(versioned, k, v1), entry(versioned, k, v2), entry(versioned, k, v1)])
    assert sent == [[{"Key": k, "VersionId": v1}, {"Key": k, "VersionId": v2}]]
    assert outcomes[0] == outcomes[2] == TaskOutcome(True, message=f"Deleted version {v1}")
    assert outcomes[1] == TaskOutcome(True, message=f"Deleted version {v2}")
    assert versions_of(s3, versioned, k) == []


# SeaweedFS folds "\\" and "//" in keys, so such keys are left out (as in test_operations).
ODD_KEYS = ["with space/and+plus.txt", "100% sure", "ünïcødé/日本語 キー", "a%2Fb?x=1&y#z", "-_.!*'()[]{}~^`|<>"]


def test_odd_keys(op, s3, plain, k):
    keys = [f"{k}/{name}" for name in ODD_KEYS]
    for key in keys:
        s3.put_object(Bucket=plain, Key=key, Body=b"x")
    assert op.run_batch([entry(plain, key) for key in keys]) == [DELETED] * len(keys)
    assert not keys_in(s3, plain) & set(keys)


def test_a_missing_bucket_fails_only_its_own_entries(op, s3, plain, k):
    s3.put_object(Bucket=plain, Key=k, Body=b"x")
    gone = f"del-gone-{uuid.uuid4().hex[:10]}"
    outcomes = op.run_batch([entry(gone, k), entry(plain, k), entry(gone, f"{k}/2")])
    assert outcomes[1] == DELETED
    assert outcomes[0] == outcomes[2]
    assert (outcomes[0].succeeded, outcomes[0].http_status, outcomes[0].error_code) == (False, 404, "NoSuchBucket")
    assert k not in keys_in(s3, plain)


def test_object_lock_fails_the_held_version_and_the_rest_of_the_batch_goes(seaweed, op, s3, k):
    locked = make_bucket(s3, "lock", ObjectLockEnabledForBucket=True)
    held = s3.put_object(Bucket=locked, Key=f"{k}/held", Body=b"x")["VersionId"]
    s3.put_object_legal_hold(Bucket=locked, Key=f"{k}/held", VersionId=held, LegalHold={"Status": "ON"})
    free = s3.put_object(Bucket=locked, Key=f"{k}/free", Body=b"x")["VersionId"]
    outcome, freed = RetryPolicy(sleep=lambda s: None).execute_batch(
        op, [entry(locked, f"{k}/held", held), entry(locked, f"{k}/free", free)]
    )
    assert freed == TaskOutcome(True, message=f"Deleted version {free}")
    # SeaweedFS answers a per-key AccessDenied (as AWS does for a version under legal hold).
    assert (outcome.succeeded, outcome.http_status, outcome.error_code, outcome.retryable) == (
        False, 403, "AccessDenied", False,
    )  # fmt: skip
    assert outcome.message
    assert versions_of(s3, locked, f"{k}/held") == [held]
    assert versions_of(s3, locked, f"{k}/free") == []


def test_2500_entries_across_two_buckets_in_three_batches(seaweed, op, context, s3, k):
    first, second = make_bucket(s3, "big1"), make_bucket(s3, "big2")
    names = [f"{k}/{i:04d} é+%" for i in range(1250)]
    pairs = [(b, name) for name in names for b in (first, second)]  # buckets interleaved in every batch
    # Every 5th object exists (seeding all 2,500 would take seconds); the rest are missing
    # keys, which S3 deletes "successfully" too.
    with ThreadPoolExecutor(32) as pool:
        list(pool.map(lambda pair: s3.put_object(Bucket=pair[0], Key=pair[1], Body=b""), pairs[::5]))
    assert len(keys_in(s3, first)) + len(keys_in(s3, second)) == 500
    entries = [entry(b, name, ordinal=i) for i, (b, name) in enumerate(pairs)]
    retry = RetryPolicy(sleep=lambda s: None)
    with sent_deletes(context.s3) as sent:
        batches = [entries[start : start + op.batch_size] for start in range(0, len(entries), op.batch_size)]
        outcomes = [outcome for batch in batches for outcome in retry.execute_batch(op, batch)]
    assert len(batches) == 3 and outcomes == [DELETED] * 2500
    assert [len(objects) for objects in sent] == [500, 500, 500, 500, 250, 250]  # one call per bucket per batch
    assert keys_in(s3, first) == keys_in(s3, second) == set()


# --- Error mapping (pure functions) ---------------------------------------------------


@pytest.mark.parametrize(
    ("code", "status", "retryable"),
    [
        ("AccessDenied", 403, False),
        ("NoSuchVersion", 404, False),
        ("NoSuchKey", 404, False),
        ("InvalidArgument", 400, False),
        ("InternalError", 500, True),
        ("SlowDown", 503, True),
        ("ServiceUnavailable", 503, True),
        ("SomethingNew", 200, False),
    ],
)
def test_per_key_errors_get_the_status_s3_documents(code, status, retryable):
    outcome = key_error_outcome({"Key": "k", "Code": code, "Message": "why"})
    assert outcome == TaskOutcome(False, status, code, "why", retryable)


def test_deleting_a_delete_marker_by_version_says_so():
    item = {"Key": "k", "VersionId": "v", "DeleteMarker": True, "DeleteMarkerVersionId": "v"}
    assert deleted_outcome(item, "v").message == "Deleted version v (a delete marker)"


# --- Examples -------------------------------------------------------------------------


def test_the_example_loads_and_is_not_confirmed():
    spec = load_job_spec(EXAMPLES / "local-delete-object.json")
    assert spec.operation.name == "LocalDeleteObject"
    assert spec.operation.params.confirmed is False
    assert json.loads((EXAMPLES / "local-delete-object.json").read_text())["Manifest"]["Location"]["ObjectArn"] == (
        "file:///tmp/s3batch-example/manifest.csv"
    )
