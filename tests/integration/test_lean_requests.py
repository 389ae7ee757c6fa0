"""Every lean member's request against boto3's, byte for byte, as a loopback server receives them.

Method, path and query (awkward key, version id), body, every header but the ones that
differ per call (date, signature, User-Agent's feature flags, boto3's invocation id:
a new UUID each call), and the signed header list; with and without a session token, and with
`request_checksum_calculation` when_required (RestoreObject then sends no checksum).
"""

from __future__ import annotations

import uuid

import pytest

from s3batch_tui.core.engine.retry import RetryPolicy
from s3batch_tui.core.lean.choice import LEAN_CLASSES
from s3batch_tui.core.operations import lean
from s3batch_tui.core.operations.restore import RESTORE_IN_PROGRESS
from tests.integration.lean_equivalence import PATHS, built_both, entry, signed_headers
from tests.integration.tiny_http import ScriptedHandler, serve

pytest.importorskip("awscrt")

OWNER = {"ID": "owner-id", "DisplayName": "me"}
GRANTS = [
    {"Grantee": {"TypeIdentifier": "id", "Identifier": "owner-id", "DisplayName": "me"}, "Permission": "FULL_CONTROL"},
    {"Grantee": {"TypeIdentifier": "emailAddress", "Identifier": "a@example.com"}, "Permission": "READ_ACP"},
    {"Grantee": {"TypeIdentifier": "uri", "Identifier": "http://acs.amazonaws.com/groups/global/AllUsers"},
     "Permission": "READ"},
]  # fmt: skip
OPERATIONS = {
    "put-tagging": {"S3PutObjectTagging": {"TagSet": [{"Key": "é", "Value": "ü +=:/@"}, {"Key": "a", "Value": ""}]}},
    "delete-tagging": {"S3DeleteObjectTagging": {}},
    "acl-canned": {"S3PutObjectAcl": {"AccessControlPolicy": {"CannedAccessControlList": "bucket-owner-full-control"}}},
    "acl-grants": {"S3PutObjectAcl": {"AccessControlPolicy": {"AccessControlList": {"Owner": OWNER, "Grants": GRANTS}}}},
    "legal-hold": {"S3PutObjectLegalHold": {"LegalHold": {"Status": "ON"}}},
    "retention": {"S3PutObjectRetention": {"Retention": {"Mode": "COMPLIANCE", "RetainUntilDate": "2031-02-03T04:05:06.5Z"},
                                           "BypassGovernanceRetention": True}},
    "retention-removed": {"S3PutObjectRetention": {"Retention": {}, "BypassGovernanceRetention": False}},
    "restore": {"S3InitiateRestoreObject": {"ExpirationInDays": 3, "GlacierJobTier": "STANDARD"}},
    "restore-no-days": {"S3InitiateRestoreObject": {}},
}  # fmt: skip
PER_CALL = {"authorization", "x-amz-date", "user-agent", "amz-sdk-invocation-id"}
"""Headers that differ per call (boto3's invocation id is a new UUID each call: compared by form)."""

KEY, VERSION = "a b/+%/é//x~", "v1+/="


class _Capture(ScriptedHandler):
    """Keeps every request; answers as S3 does on success (HEAD: an object in STANDARD)."""

    seen: list
    status = {"PUT": 200, "DELETE": 204, "POST": 202, "HEAD": 200}

    def _take(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.seen.append((self.command, self.path, self.headers, body))
        self.reply(self.status[self.command])

    do_PUT = do_DELETE = do_POST = do_HEAD = _take

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.reply(200, b"<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>")


def _compared(headers) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items() if name.lower() not in PER_CALL}


def test_every_member_of_the_lean_operations_module_is_compared():
    in_module = {member for member, where in LEAN_CLASSES.items() if where.startswith(f"{lean.__name__}:")}
    assert {next(iter(document)) for document in OPERATIONS.values()} == in_module


@pytest.mark.parametrize(
    ("name", "setting"),
    [*((name, "default") for name in OPERATIONS), ("put-tagging", "session-token"), ("acl-canned", "session-token"),
     *((name, "checksum-when-required") for name in ("put-tagging", "acl-grants", "legal-hold", "retention",
                                                     "restore", "restore-no-days")),
     ("put-tagging", "payload-signing-off"), ("delete-tagging", "payload-signing-off")],
)  # fmt: skip
def test_request_bytes_equal_boto3s(seaweed, monkeypatch, tmp_path, name, setting):
    if setting == "checksum-when-required":
        monkeypatch.setenv("AWS_REQUEST_CHECKSUM_CALCULATION", "when_required")
    if setting == "payload-signing-off":  # the profile's s3 section, as a user would write it
        config = tmp_path / "config"
        config.write_text("[default]\ns3 =\n    payload_signing_enabled = false\n", encoding="utf-8")
        monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    token = "session/token+=" if setting == "session-token" else None
    with serve(_Capture, seen=[]) as (url, handler):
        runnables = built_both(seaweed, OPERATIONS[name], endpoint=url, token=token)
        for path in PATHS:
            outcome, _ = RetryPolicy(1).execute(runnables[path], entry("b", KEY, VERSION))
            assert outcome.succeeded, outcome
        # Both paths ask boto3 for the bucket's versioning (the version guard), and RestoreObject
        # without ExpirationInDays HEADs the object first.
        lean, boto = [request for request in handler.seen if request[0] not in ("GET", "HEAD")]
        heads = [request for request in handler.seen if request[0] == "HEAD"]
    if name == "restore-no-days":  # the class check's HeadObject goes lean too
        lean_head, boto_head = heads
        assert lean_head[:2] == boto_head[:2] and lean_head[3] == boto_head[3] == b""
        assert _compared(lean_head[2]) == _compared(boto_head[2])
        assert signed_headers(lean_head[2]) == signed_headers(boto_head[2])
    else:
        assert heads == []
    assert lean[:2] == boto[:2]  # method, path and query
    assert lean[3] == boto[3]  # body, byte for byte
    assert _compared(lean[2]) == _compared(boto[2])  # amz-sdk-request ("attempt=1; max=1") included
    assert uuid.UUID(lean[2]["amz-sdk-invocation-id"]).version == uuid.UUID(boto[2]["amz-sdk-invocation-id"]).version
    assert signed_headers(lean[2]) == signed_headers(boto[2])
    assert lean[2].get("x-amz-security-token") == token
    unsigned = setting == "payload-signing-off"
    assert (lean[2]["x-amz-content-sha256"] == "UNSIGNED-PAYLOAD") == unsigned
    when_required = setting == "checksum-when-required"
    checksummed = name != "delete-tagging" and not (name.startswith("restore") and when_required)
    assert ("x-amz-checksum-crc32" in lean[2]) == checksummed


class _InProgress(ScriptedHandler):
    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.reply(409, b"<Error><Code>RestoreAlreadyInProgress</Code><Message>in progress</Message></Error>")


def test_restore_already_in_progress_succeeds_on_both_paths(seaweed):
    with serve(_InProgress) as (url, _):
        runnables = built_both(seaweed, OPERATIONS["restore"], endpoint=url)
        outcomes = [RetryPolicy(1).execute(runnables[path], entry("b", KEY)) for path in PATHS]
    assert outcomes == [(RESTORE_IN_PROGRESS, 1)] * 2


AWS_ERRORS = [
    (404, "NoSuchVersion", "The specified version does not exist."),
    (403, "AccessDenied", "Access Denied"),
    (403, "InvalidObjectState", "The operation is not valid for the object's storage class"),
    (400, "InvalidRequest", "Bucket is missing Object Lock Configuration"),
    (409, "OperationAborted", "A conflicting conditional operation is currently in progress"),
    (500, "InternalError", "We encountered an internal error. Please try again."),
    (503, "SlowDown", "Please reduce your request rate."),
    (403, "", ""),  # no body: botocore makes the code and message from the status
]


class _Refusing(ScriptedHandler):
    """Answers every request but the version guard's GET with the class's current error."""

    error: tuple[int, str, str]

    def _refuse(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status, code, message = self.error
        body = f"<Error><Code>{code}</Code><Message>{message}</Message><RequestId>r1</RequestId></Error>" if code else ""
        self.reply(status, body.encode())

    do_PUT = do_DELETE = do_POST = do_HEAD = _refuse
    do_GET = _Capture.do_GET


@pytest.mark.parametrize("name", ["put-tagging", "acl-grants", "legal-hold", "retention", "restore"])
def test_aws_errors_give_boto3s_outcomes(seaweed, name):
    """Error answers no local server gives on demand: the same outcome (report row, retry verdict)."""
    with serve(_Refusing, error=AWS_ERRORS[0]) as (url, handler):
        runnables = built_both(seaweed, OPERATIONS[name], endpoint=url)
        for error in AWS_ERRORS:
            handler.error = error
            lean, boto = (RetryPolicy(1).execute(runnables[path], entry("b", KEY, VERSION)) for path in PATHS)
            assert lean == boto, error
            assert (lean[0].http_status, lean[0].error_code or str(error[0])) == (error[0], error[1] or str(error[0]))


class _OtherRegion(ScriptedHandler):
    """A bucket in eu-west-1: requests signed for another region get AWS's 301 PermanentRedirect."""

    signed_for: list

    def _answer(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        region = self.headers["Authorization"].split("Credential=")[1].split("/")[2]
        self.signed_for.append((self.command, region))
        if region == "eu-west-1":
            self.reply({"PUT": 200, "DELETE": 204, "POST": 202, "HEAD": 200, "GET": 200}[self.command])
            return
        self.send_response(301)
        self.send_header("x-amz-bucket-region", "eu-west-1")
        body = (b"<Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to access must be "
                b"addressed using the specified endpoint.</Message><Region>eu-west-1</Region></Error>")  # fmt: skip
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_PUT = do_DELETE = do_POST = do_HEAD = do_GET = _answer


@pytest.mark.parametrize("name", ["acl-canned", "restore"])
def test_a_bucket_in_another_region_is_left_to_boto3s_redirect(seaweed, name):
    """boto3 follows S3's region redirect; the lean path hands that bucket's tasks to boto3."""
    with serve(_OtherRegion, signed_for=[]) as (url, handler):
        outcomes, seen = {}, {}
        for path, token in (("auto", None), ("boto3", "another-client")):  # each with a client of its own
            runnable = built_both(seaweed, OPERATIONS[name], endpoint=url, token=token)[path]
            handler.signed_for.clear()
            outcomes[path] = [RetryPolicy(1).execute(runnable, entry("b", f"{KEY}{i}")) for i in range(3)]
            seen[path] = [region for method, region in handler.signed_for if method not in ("GET", "HEAD")]
    assert outcomes["auto"] == outcomes["boto3"]
    assert all(outcome.succeeded for outcome, _ in outcomes["auto"])
    # boto3 meets the redirect once and then signs for the bucket's region (it caches it); the
    # lean path meets it once more itself, the first time, then leaves the bucket to boto3.
    assert seen["boto3"] == ["us-east-1", "eu-west-1", "eu-west-1", "eu-west-1"]
    assert seen["auto"] == ["us-east-1", *seen["boto3"]]
