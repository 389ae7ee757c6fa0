"""The lean (awscrt) copy path against boto3's: same copies, same outcomes, same request bytes.

Both paths run the same entries on the same real servers (SeaweedFS checks signatures,
moto knows versions); only the request path differs. Each path copies under its own
prefix, so the two sets of new objects can be compared.
"""

from __future__ import annotations

import uuid

import pytest

from s3batch_tui.core.engine.retry import RetryPolicy
from s3batch_tui.core.lean.choice import LEAN, request_path
from s3batch_tui.core.spec import MIB, JobOperation, LocalOptions
from tests.integration.lean_equivalence import KEYS, PATHS, versioned_entries
from tests.integration.lean_equivalence import started as _started
from tests.integration.lean_equivalence import built as built_for_path
from tests.integration.lean_equivalence import entry as _entry
from tests.integration.lean_equivalence import new_bucket as _bucket
from tests.integration.lean_equivalence import signed_headers as _signed
from tests.integration.tiny_http import ScriptedHandler, serve

pytest.importorskip("awscrt")

HEAD_FIRST = {"multipart_copy_threshold_bytes": 5 * MIB, "multipart_copy_part_size_bytes": 5 * MIB}
"""Below CopyObject's 5 GiB every object gets a HeadObject first (the lean HeadObject)."""


def _built(server, params, path, **kwargs):
    """The runnable S3PutObjectCopy as the engine builds it, for request path `path`."""
    return built_for_path(server, JobOperation.model_validate({"S3PutObjectCopy": params}), path, **kwargs)


def _run_both(server, params, entries, **kwargs):
    """Each path's (outcome, attempts) for the same entries; `params` may depend on the path."""
    results = {}
    for path in PATHS:
        operation = _built(server, params(path) if callable(params) else params, path, **kwargs)
        results[path] = [RetryPolicy(max_attempts=3, base_delay=0.01).execute(operation, e) for e in entries]
    return results


def _copied(s3, bucket, key):
    """What a copy made: body, content type, user metadata and tags."""
    head = s3.head_object(Bucket=bucket, Key=key)
    tag_set = s3.get_object_tagging(Bucket=bucket, Key=key)["TagSet"]
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    return body, head.get("ContentType"), head.get("Metadata"), sorted((t["Key"], t["Value"]) for t in tag_set)


@pytest.mark.parametrize(("server_name", "options"), [("seaweed", {}), ("seaweed", HEAD_FIRST), ("moto_server", {})],
                         ids=["seaweed", "seaweed-head-first", "moto"])  # fmt: skip
def test_copies_give_boto3s_results(server_name, options, request):
    server = request.getfixturevalue(server_name)
    s3 = server.client()
    source, target = _bucket(s3, "lean-src"), _bucket(s3, "lean-dst")
    for key in KEYS:
        s3.put_object(Bucket=source, Key=key, Body=key.encode(), ContentType="text/x-source", Metadata={"was": "src"})
    entries = [_entry(source, key, ordinal=i) for i, key in enumerate([*KEYS, "missing key+%"])]

    def params(path):
        return {"TargetResource": f"arn:aws:s3:::{target}", "TargetKeyPrefix": path, "MetadataDirective": "REPLACE",
                "NewObjectMetadata": {"ContentType": "text/x-copy", "UserMetadata": {"new": "m e+ta"}},
                "NewObjectTagging": [{"Key": "é", "Value": "ü +=:/@"}], "StorageClass": "STANDARD"}  # fmt: skip

    results = _run_both(server, params, entries, **options)
    assert results["auto"] == results["boto3"]
    assert all(outcome.succeeded for outcome, _ in results["auto"][:-1]), results["auto"]
    missing = results["auto"][-1][0]
    assert (missing.http_status, missing.error_code, missing.retryable) == (404, "NoSuchKey", False)
    made = {path: [_copied(s3, target, f"{path}/{key}") for key in KEYS] for path in PATHS}
    assert made["auto"] == made["boto3"]
    assert made["auto"][0] == (b"plain.txt", "text/x-copy", {"new": "m e+ta"}, [("é", "ü +=:/@")])


def test_errors_match_boto3(seaweed, moto_server):
    s3 = seaweed.client()
    source = _bucket(s3, "lean-cperr")
    s3.put_object(Bucket=source, Key="k", Body=b"x")
    entries = [_entry(source, "k"), _entry("no-such-bucket-lean", "k")]
    wrong = _run_both(seaweed, {}, entries[:1], secret="wrong-secret")  # signature refused
    assert wrong["auto"] == wrong["boto3"]
    assert (wrong["auto"][0][0].http_status, wrong["auto"][0][0].error_code) == (403, "SignatureDoesNotMatch")
    missing_bucket = _run_both(seaweed, {"TargetResource": f"arn:aws:s3:::{source}"}, entries[1:])
    assert missing_bucket["auto"] == missing_bucket["boto3"]
    assert missing_bucket["auto"][0][0].error_code == "NoSuchBucket"

    # Exact versions, and one that does not exist: moto knows both.
    m3 = moto_server.client()
    versioned = versioned_entries(m3, "lean-cpversions")
    versions = versioned[0].bucket
    results = _run_both(moto_server, lambda path: {"TargetKeyPrefix": path}, versioned)
    assert results["auto"] == results["boto3"]
    assert results["auto"][0][0].succeeded and not results["auto"][1][0].succeeded
    for path in PATHS:
        assert m3.get_object(Bucket=versions, Key=f"{path}/v key+%")["Body"].read() == b"first"


@pytest.mark.parametrize("fault", ["error_in_200", "slowdown"])
def test_transient_errors_are_retried_like_boto3(seaweed, fault_proxy, fault):
    s3 = seaweed.client()
    source = _bucket(s3, "lean-cpslow")
    s3.put_object(Bucket=source, Key="k", Body=b"x")
    expected = {"error_in_200": (500, "InternalError", True), "slowdown": (503, "SlowDown", True)}[fault]
    for path in PATHS:
        fault_proxy.fail_next(fault, fault, matching="PUT")
        operation = _built(seaweed, {"TargetKeyPrefix": path}, path, endpoint=fault_proxy.url)
        seen = []
        outcome, attempts = RetryPolicy(5, base_delay=0.01, observe=seen.append).execute(operation, _entry(source, "k"))
        assert outcome.succeeded and attempts == 3, (path, outcome, attempts)
        assert [(o.http_status, o.error_code, o.retryable) for o in seen[:2]] == [expected] * 2
        assert seen[0].message == "We encountered an internal error. Please try again." or fault == "slowdown"


def test_large_objects_go_multipart_on_both_paths(seaweed):
    s3 = seaweed.client()
    source = _bucket(s3, "lean-cpbig")
    s3.put_object(Bucket=source, Key="big", Body=b"b" * (5 * MIB + 1), Metadata={"kept": "yes"})
    results = _run_both(seaweed, lambda path: {"TargetKeyPrefix": path}, [_entry(source, "big")], **HEAD_FIRST)
    assert results["auto"] == results["boto3"]
    assert results["auto"][0][0].message == "Successful (multipart copy, 2 parts)"
    assert s3.head_object(Bucket=source, Key="auto/big")["Metadata"] == {"kept": "yes"}


class _Capture(ScriptedHandler):
    seen: list

    def _take(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.seen.append((self.command, self.path, self.headers, body))
        if self.command == "HEAD":  # a 1-byte object: copied with CopyObject
            self.send_response(200)
            self.send_header("Content-Length", "1")
            self.end_headers()
            return
        self.reply(200, b"<CopyObjectResult><ETag>&quot;e&quot;</ETag></CopyObjectResult>")

    def do_GET(self) -> None:  # the version guard's GetBucketVersioning
        self.reply(200, b"<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>")

    do_PUT = do_HEAD = _take


PER_REQUEST = {"user-agent", "authorization", "x-amz-date", "amz-sdk-invocation-id"}

EVERY_HEADER = {
    "TargetResource": "arn:aws:s3:::dst", "TargetKeyPrefix": "p re+fix", "MetadataDirective": "REPLACE",
    "NewObjectMetadata": {"CacheControl": "no-cache", "ContentType": "text/plain", "ContentDisposition": "inline",
                          "UserMetadata": {"a": "b c"}, "SSEAlgorithm": "KMS",
                          "HttpExpiresDate": "2031-01-01T00:00:00Z"},
    "SSEAwsKmsKeyId": "arn:aws:kms:us-east-1:111122223333:key/k", "BucketKeyEnabled": True,
    "NewObjectTagging": [{"Key": "t", "Value": "v w"}], "StorageClass": "STANDARD_IA",
    "AccessControlGrants": [{"Grantee": {"TypeIdentifier": "id", "Identifier": "abc"}, "Permission": "READ"}],
    "ObjectLockMode": "GOVERNANCE", "ObjectLockRetainUntilDate": "2030-01-01T00:00:00Z",
    "ObjectLockLegalHoldStatus": "ON", "ModifiedSinceConstraint": "2020-01-01T00:00:00Z",
    "UnModifiedSinceConstraint": "2029-01-01T00:00:00Z", "ChecksumAlgorithm": "SHA256", "RequesterPays": True,
    "RedirectLocation": "/elsewhere",
}  # fmt: skip


@pytest.mark.parametrize(("params", "token"), [({}, None), (EVERY_HEADER, None), (EVERY_HEADER, "session/token+=")],
                         ids=["plain", "every-header", "every-header-token"])  # fmt: skip
def test_request_bytes_equal_boto3s(seaweed, params, token):
    with serve(_Capture, seen=[]) as (url, handler):
        for path in PATHS:
            operation = _built(seaweed, params, path, endpoint=url, token=token, **HEAD_FIRST)
            outcome, _ = RetryPolicy(1).execute(operation, _entry("b", "a b/+%/é//x~", "v1+/="))
            assert outcome.succeeded, outcome
        (lean_head, lean_copy, boto_head, boto_copy) = handler.seen
    for lean, boto in ((lean_head, boto_head), (lean_copy, boto_copy)):
        assert lean[:2] == boto[:2]  # method, path and query
        assert lean[3] == boto[3] == b""
        assert _signed(lean[2]) == _signed(boto[2])
        # Per request, not compared: the signature and date, the invocation id, UA feature flags.
        names = {name.lower() for name in boto[2]} - PER_REQUEST
        assert names == {name.lower() for name in lean[2]} - PER_REQUEST
        for name in names:
            assert lean[2].get(name) == boto[2].get(name), name
    assert uuid.UUID(lean_copy[2]["amz-sdk-invocation-id"]) != uuid.UUID(boto_copy[2]["amz-sdk-invocation-id"])
    assert lean_copy[2]["x-amz-copy-source"] == "b/a%20b/%2B%25/%C3%A9//x~?versionId=v1+/="
    assert len(_signed(boto_copy[2])) > (20 if params else 3)


def test_request_path_label():
    assert request_path("S3PutObjectCopy", LocalOptions()) == LEAN


def test_start_gives_what_run_gives(seaweed):
    """The engine's thread-free `start` and the blocking `run` agree, copies and errors alike."""
    s3 = seaweed.client()
    source = _bucket(s3, "lean-cpstart")
    for key in KEYS:
        s3.put_object(Bucket=source, Key=key, Body=key.encode())
    entries = [_entry(source, key, ordinal=i) for i, key in enumerate([*KEYS, "missing key+%"])]
    operation = _built(seaweed, {"TargetKeyPrefix": "started"}, "auto")
    ran = [RetryPolicy(1).execute(operation, entry)[0] for entry in entries]
    assert _started(operation, entries) == ran
    assert all(outcome.succeeded for outcome in ran[:-1]) and ran[-1].error_code == "NoSuchKey"
    assert [s3.get_object(Bucket=source, Key=f"started/{key}")["Body"].read() for key in KEYS] == [
        key.encode() for key in KEYS
    ]
    head_first = _built(seaweed, {"TargetKeyPrefix": "started"}, "auto", **HEAD_FIRST)
    assert not hasattr(head_first, "start")  # HeadObject then CopyObject: the blocking way


class _TooLarge(ScriptedHandler):
    def do_GET(self) -> None:  # the version guard's GetBucketVersioning
        self.reply(200, b"<VersioningConfiguration/>")

    def do_PUT(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.reply(400, b"<Error><Code>InvalidRequest</Code><Message>The specified copy source is larger than the "
                        b"maximum allowable size for a copy source: 5368709120</Message></Error>")  # fmt: skip


def test_start_hands_an_object_too_large_for_copy_object_back_to_run(seaweed):
    with serve(_TooLarge) as (url, _):
        operation = _built(seaweed, {}, "auto", endpoint=url)
        assert _started(operation, [_entry("b", "huge")]) == [None]
