"""The lean ACL, legal hold, retention and restore operations against boto3's on real servers.

Each path works on its own fresh bucket holding the same keys (and versions), so the
server-side results can be compared as well as the outcomes (the report rows). SeaweedFS
checks signatures and enforces Object Lock; moto has Glacier restores.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from s3batch_tui.core.engine.retry import RetryPolicy
from tests.integration.fault_proxy import FaultProxy
from tests.integration.lean_equivalence import KEYS, PATHS, built_both, entry, new_bucket, run_both

pytest.importorskip("awscrt")

SERVERS = ["seaweed", "moto_server"]
AWKWARD = KEYS[1:4]
"""Unicode and spaces, `+` and `%`, `//`."""

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
MISSING = "missing ü+%/key"
BAD_VERSION = "no-such-version"


def _acl(policy: dict) -> dict:
    return {"S3PutObjectAcl": {"AccessControlPolicy": policy}}


def _hold(status: str) -> dict:
    return {"S3PutObjectLegalHold": {"LegalHold": {"Status": status}}}


def _retention(mode: str | None = None, until: datetime | None = None, bypass: bool = False) -> dict:
    retention = {"Mode": mode, "RetainUntilDate": until.isoformat()} if mode else {}
    return {"S3PutObjectRetention": {"Retention": retention, "BypassGovernanceRetention": bypass}}


def _restore(**fields) -> dict:
    return {"S3InitiateRestoreObject": fields}


def _seed(s3, prefix: str, storage_class: str = "STANDARD", **create) -> dict[str, list]:
    """Per path, a fresh versioned bucket with every key written twice; its entries.

    Entries: each key's current object, each key's old version, a missing key and a
    version that does not exist (in that order).
    """
    entries = {}
    for path in PATHS:
        bucket = new_bucket(s3, prefix, **create)
        if not create:
            s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        old = {}
        for key in AWKWARD:
            old[key] = s3.put_object(Bucket=bucket, Key=key, Body=b"1", StorageClass=storage_class)["VersionId"]
            s3.put_object(Bucket=bucket, Key=key, Body=b"2", StorageClass=storage_class)
        addresses = [(key, None) for key in AWKWARD] + list(old.items()) + [(MISSING, None), (AWKWARD[0], BAD_VERSION)]
        entries[path] = [entry(bucket, key, version, ordinal) for ordinal, (key, version) in enumerate(addresses)]
    return entries


def _step(server, operation: dict, entries: dict[str, list], read, part=slice(None)) -> dict[str, tuple]:
    """Each path's outcomes for its entries[part], and `read(entry)` of every object that exists after."""
    outcomes = run_both(server, operation, {path: entries[path][part] for path in PATHS})
    existing = {path: [e for e in entries[path] if e.key != MISSING and e.version_id != BAD_VERSION] for path in PATHS}
    return {path: (outcomes[path], [read(e) for e in existing[path]]) for path in PATHS}


def _head(s3, e) -> dict:
    return s3.head_object(Bucket=e.bucket, Key=e.key, **({"VersionId": e.version_id} if e.version_id else {}))


def _codes(outcomes) -> list:
    return [(o.succeeded, o.http_status, o.error_code) for o, _ in outcomes]


def _errors_ok(outcomes, missing_code: str | None, version_ignored: bool = False) -> None:
    """Every real object succeeded; the missing key and version failed.

    `missing_code`: what the server says for the missing key (None: it answers 500, a
    server bug). `version_ignored`: the server acts on the current object (moto).
    """
    assert all(o.succeeded for o, _ in outcomes[:-2]), outcomes
    missing, bad_version = (outcome for outcome, _ in outcomes[-2:])
    assert not missing.succeeded and (missing_code is None or missing.error_code == missing_code), missing
    assert bad_version.succeeded == version_ignored, bad_version


@pytest.mark.parametrize("server_name", SERVERS)
def test_acl_gives_boto3s_grants_and_rows(server_name, request):
    server = request.getfixturevalue(server_name)
    s3 = server.client()
    owner = s3.list_buckets()["Owner"]["ID"]
    full = _acl({"AccessControlList": {"Owner": {"ID": owner}, "Grants": [
        {"Grantee": {"TypeIdentifier": "id", "Identifier": owner}, "Permission": "FULL_CONTROL"},
        {"Grantee": {"TypeIdentifier": "uri", "Identifier": ALL_USERS}, "Permission": "READ_ACP"}]}})  # fmt: skip

    def grants(e):
        acl = s3.get_object_acl(Bucket=e.bucket, Key=e.key, **({"VersionId": e.version_id} if e.version_id else {}))
        return sorted((g["Grantee"].get("ID") or g["Grantee"].get("URI"), g["Permission"]) for g in acl["Grants"])

    entries = _seed(s3, "lean-acl")
    canned = _step(server, _acl({"CannedAccessControlList": "public-read"}), entries, grants)
    replaced = _step(server, full, entries, grants, part=slice(len(AWKWARD), None))  # old versions
    assert (canned["auto"], replaced["auto"]) == (canned["boto3"], replaced["boto3"])
    _errors_ok(canned["auto"][0], "NoSuchKey", version_ignored=server_name == "moto_server")
    if server_name == "seaweed":  # moto keeps only the owner's grant
        n = len(AWKWARD)
        assert all((ALL_USERS, "READ") in g for g in canned["auto"][1])
        assert [(ALL_USERS, "READ_ACP") in g for g in replaced["auto"][1]] == [False] * n + [True] * n


@pytest.mark.parametrize("server_name", SERVERS)
def test_legal_hold_gives_boto3s_holds_and_rows(server_name, request):
    server = request.getfixturevalue(server_name)
    s3 = server.client()

    def hold(e):
        return _head(s3, e).get("ObjectLockLegalHoldStatus", "OFF")

    entries = _seed(s3, "lean-hold", ObjectLockEnabledForBucket=True)
    on = _step(server, _hold("ON"), entries, hold, part=slice(len(AWKWARD), None))  # old versions and errors
    off = _step(server, _hold("OFF"), entries, hold)
    assert (on["auto"], off["auto"]) == (on["boto3"], off["boto3"])
    # Both servers answer 500 for a legal hold on a missing key (AWS: 404 NoSuchKey).
    _errors_ok(on["auto"][0], None)
    assert on["auto"][1] == ["OFF"] * len(AWKWARD) + ["ON"] * len(AWKWARD)
    assert off["auto"][1] == ["OFF"] * 2 * len(AWKWARD)


@pytest.mark.parametrize("server_name", SERVERS)
def test_retention_gives_boto3s_locks_and_rows(server_name, request):
    server = request.getfixturevalue(server_name)
    s3 = server.client()
    now = datetime.now(UTC).replace(microsecond=0)
    hour, minute = now + timedelta(hours=1), now + timedelta(minutes=1)

    def lock(e):
        head = _head(s3, e)
        return head.get("ObjectLockMode"), head.get("ObjectLockRetainUntilDate")

    entries = _seed(s3, "lean-lock", ObjectLockEnabledForBucket=True)
    steps = [_retention("GOVERNANCE", hour), _retention("GOVERNANCE", minute),  # shorter without bypass
             _retention("GOVERNANCE", minute, bypass=True), _retention(bypass=True)]  # fmt: skip
    results = [_step(server, step, entries, lock) for step in steps]
    assert [r["auto"] for r in results] == [r["boto3"] for r in results]
    (set_, set_state), (shorter, _), (_, bypassed_state), (_, removed_state) = (r["auto"] for r in results)
    _errors_ok(set_, "NoSuchKey" if server_name == "seaweed" else None)  # moto: 500
    assert set_state == [("GOVERNANCE", hour)] * 2 * len(AWKWARD)
    assert bypassed_state == [("GOVERNANCE", minute)] * 2 * len(AWKWARD)
    if server_name == "seaweed":  # moto allows shortening; SeaweedFS refuses removing
        assert _codes(shorter[:1]) == [(False, 403, "AccessDenied")]
    else:
        assert removed_state == [(None, None)] * 2 * len(AWKWARD)


def test_restore_gives_boto3s_restores_and_rows(moto_server, seaweed):
    s3 = moto_server.client()

    def restored(e):
        head = _head(s3, e)
        return head.get("StorageClass"), head.get("Restore", "").split(",")[0]

    entries = _seed(s3, "lean-restore", "GLACIER")
    for path in PATHS:
        bucket = entries[path][0].bucket
        version = s3.put_object(Bucket=bucket, Key="standard é+%", Body=b"x")["VersionId"]
        entries[path].append(entry(bucket, "standard é+%", version, len(entries[path])))
    steps = [_restore(ExpirationInDays=2, GlacierJobTier="BULK"), _restore(ExpirationInDays=2), _restore()]
    results = [_step(moto_server, step, entries, restored) for step in steps]
    assert [r["auto"] for r in results] == [r["boto3"] for r in results]
    (initiated, state), (again, _), (no_days, _) = (r["auto"] for r in results)
    n = len(AWKWARD)
    assert [o.message for o, _ in initiated[:n]] == ["Restore initiated"] * n
    assert [o.message for o, _ in again[:n]] == ["Already restored (its expiry is now 2 day(s) from today)"] * n
    # moto restores the current version whatever VersionId says, so the bad version "succeeds".
    assert _codes([initiated[-3], initiated[-1]]) == [(False, 404, "NoSuchKey"), (False, 403, "InvalidObjectState")]
    assert {o.error_code for o, _ in no_days[:n]} == {"MissingExpirationInDays"}
    assert state[:n] == [("GLACIER", 'ongoing-request="false"')] * n
    # SeaweedFS has no restore: its refusal is the same on both paths.
    refused = run_both(seaweed, _restore(ExpirationInDays=1), [entry(new_bucket(seaweed.client(), "lean-405"), "k")])
    assert refused["auto"] == refused["boto3"] and not refused["auto"][0][0].succeeded


FAULTED = {
    "acl": _acl({"CannedAccessControlList": "private"}),
    "legal-hold": _hold("OFF"),
    "retention": _retention("GOVERNANCE", datetime(2031, 1, 1, tzinfo=UTC)),
}


@pytest.mark.parametrize("name", FAULTED)
def test_wrong_secret_slowdown_and_no_such_version_match_boto3(seaweed, fault_proxy, name):
    s3 = seaweed.client()
    locked, plain = new_bucket(s3, "lean-faults", ObjectLockEnabledForBucket=True), new_bucket(s3, "lean-plain")
    for bucket in (locked, plain):
        s3.put_object(Bucket=bucket, Key=AWKWARD[1], Body=b"x")
    entries = [entry(locked, AWKWARD[1])]
    wrong = run_both(seaweed, FAULTED[name], entries, secret="wrong-secret")
    assert wrong["auto"] == wrong["boto3"]
    assert _codes(wrong["auto"]) == [(False, 403, "SignatureDoesNotMatch")]
    _slowdown_retried(seaweed, fault_proxy, FAULTED[name], {path: entries for path in PATHS})
    # A version in a never-versioned bucket: NoSuchVersion before any request, on either path.
    versioned = run_both(seaweed, FAULTED[name], [entry(plain, AWKWARD[1], "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY")])
    assert versioned["auto"] == versioned["boto3"]
    assert _codes(versioned["auto"]) == [(False, 404, "NoSuchVersion")]


def test_restore_slowdown_is_retried_like_boto3(moto_server):
    s3 = moto_server.client()
    bucket = new_bucket(s3, "lean-slow")
    entries = {}
    for path in PATHS:  # one object per path: a second restore would find it restored
        s3.put_object(Bucket=bucket, Key=f"{path}/{AWKWARD[1]}", Body=b"x", StorageClass="GLACIER")
        entries[path] = [entry(bucket, f"{path}/{AWKWARD[1]}")]
    proxy = FaultProxy(moto_server.endpoint_url, max_lifetime=120)
    try:
        _slowdown_retried(moto_server, proxy, _restore(ExpirationInDays=1), entries)
    finally:
        proxy.stop()


def _slowdown_retried(server, proxy, operation, entries: dict[str, list]) -> None:
    """Two 503 SlowDown answers, then success, on each path: three attempts."""
    runnables, outcomes = built_both(server, operation, endpoint=proxy.url), {}
    for path in PATHS:
        proxy.fail_next("slowdown", "slowdown")
        outcomes[path] = [RetryPolicy(5, base_delay=0.01).execute(runnables[path], e) for e in entries[path]]
    assert outcomes["auto"] == outcomes["boto3"]
    assert [(o.succeeded, attempts) for o, attempts in outcomes["auto"]] == [(True, 3)]
