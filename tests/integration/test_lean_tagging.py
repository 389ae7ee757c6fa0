"""The lean (awscrt) tagging path against boto3's: same server result, same outcome, same bytes.

Both paths run the same entries on the same real servers (SeaweedFS checks signatures,
moto knows versions and InvalidTag); only the request path differs.
"""

from __future__ import annotations

import uuid

import pytest

from s3batch_tui.core.engine.retry import RetryPolicy
from s3batch_tui.core.lean.choice import LEAN, request_path
from s3batch_tui.core.manifest.entry import ManifestEntry
from s3batch_tui.core.operations.base import OperationContext
from s3batch_tui.core.operations.registry import build_operation
from s3batch_tui.core.s3 import AwsSettings, ClientFactory
from s3batch_tui.core.spec import JobOperation, LocalOptions
from tests.integration.tiny_http import ScriptedHandler, serve

pytest.importorskip("awscrt")

KEYS = ["plain.txt", "ü nicode/é space.txt", "a+b%20c%.txt", "double//slash", "/leading", "tilde~*'()!$&=,;:@"]
TAGS = [{"Key": "project", "Value": "blue green"}, {"Key": "é", "Value": "ü +=:/@"}]
PATHS = ("auto", "boto3")


def _operation(member: str, tags=TAGS) -> JobOperation:
    params = {"TagSet": tags} if member == "S3PutObjectTagging" else {}
    return JobOperation.model_validate({member: params})


def _built(server, member, path, secret=None, endpoint=None, tags=TAGS, token=None):
    """The runnable tagging operation as the engine builds it, for request path `path`."""
    return built_for_path(server, _operation(member, tags), path, secret=secret, endpoint=endpoint, token=token)


def built_for_path(server, job_operation: JobOperation, path, secret=None, endpoint=None, token=None, **options):
    """The runnable operation as the engine builds it, for request path `path` (and LocalOptions `options`)."""
    env = {"AWS_ACCESS_KEY_ID": server.access_key, "AWS_SECRET_ACCESS_KEY": secret or server.secret_key}
    with pytest.MonkeyPatch.context() as mp:
        for name, value in env.items():
            mp.setenv(name, value)
        if token:
            mp.setenv("AWS_SESSION_TOKEN", token)
        factory = ClientFactory(AwsSettings(endpoint_url=endpoint or server.endpoint_url, region=server.region), 8)
        context = OperationContext(factory.client("s3"), "job", factory.client,
                                   options=LocalOptions(request_path=path, **options))  # fmt: skip
        operation = build_operation(job_operation, context)
    lean = type(getattr(operation, "operation", operation)).__name__.startswith("Lean")
    assert lean == (path == "auto"), type(operation)
    return operation


def _bucket(s3, prefix: str) -> str:
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=name)
    return name


def _entry(bucket, key, version=None, ordinal=0) -> ManifestEntry:
    return ManifestEntry(ordinal=ordinal, bucket=bucket, key=key, version_id=version, raw_key=key)


def versioned_entries(s3, prefix: str) -> list[ManifestEntry]:
    """Entries for the first of two versions of "v key+%" (its body b"first") and for a version that does not exist."""
    versions = _bucket(s3, prefix)
    s3.put_bucket_versioning(Bucket=versions, VersioningConfiguration={"Status": "Enabled"})
    version = s3.put_object(Bucket=versions, Key="v key+%", Body=b"first")["VersionId"]
    s3.put_object(Bucket=versions, Key="v key+%", Body=b"second")
    return [_entry(versions, "v key+%", version), _entry(versions, "v key+%", "nope-version")]


def _run_both(server, member, entries, **kwargs):
    """Each path's outcomes (via the engine's retry policy) for the same entries."""
    results = {}
    for path in PATHS:
        operation = _built(server, member, path, **kwargs)
        policy = RetryPolicy(max_attempts=3, base_delay=0.01)
        results[path] = [policy.execute(operation, entry) for entry in entries]
    return results


@pytest.mark.parametrize("server_name", ["seaweed", "moto_server"])
def test_put_and_delete_give_boto3s_results(server_name, request):
    server = request.getfixturevalue(server_name)
    s3 = server.client()
    bucket = _bucket(s3, "lean")
    for key in KEYS:
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    entries = [_entry(bucket, key, ordinal=i) for i, key in enumerate([*KEYS, "missing key+%"])]
    tag_sets = {}
    for path in PATHS:
        for key in KEYS:
            s3.delete_object_tagging(Bucket=bucket, Key=key)
        outcomes = [RetryPolicy(1).execute(_built(server, "S3PutObjectTagging", path), e) for e in entries]
        tag_sets[path] = [s3.get_object_tagging(Bucket=bucket, Key=key)["TagSet"] for key in KEYS]
        assert all(o.succeeded for o, _ in outcomes[:-1]), outcomes
        tag_sets[path + "-outcomes"] = outcomes
    assert tag_sets["auto"] == tag_sets["boto3"]
    assert sorted(tag_sets["auto"][0], key=str) == sorted(TAGS, key=str)
    assert tag_sets["auto-outcomes"] == tag_sets["boto3-outcomes"]
    missing = tag_sets["auto-outcomes"][-1][0]
    assert (missing.http_status, missing.error_code, missing.retryable) == (404, "NoSuchKey", False)

    deleted = _run_both(server, "S3DeleteObjectTagging", entries)
    assert deleted["auto"] == deleted["boto3"]
    assert all(s3.get_object_tagging(Bucket=bucket, Key=key)["TagSet"] == [] for key in KEYS)


@pytest.mark.parametrize("member", ["S3PutObjectTagging", "S3DeleteObjectTagging"])
def test_errors_match_boto3(seaweed, moto_server, member):
    s3 = seaweed.client()
    errors = _bucket(s3, "lean-errors")
    s3.put_object(Bucket=errors, Key="k", Body=b"x")
    entries = [_entry(errors, "k"), _entry("no-such-bucket-lean", "k")]
    wrong = _run_both(seaweed, member, entries, secret="wrong-secret")  # signature refused
    assert wrong["auto"] == wrong["boto3"]
    assert not wrong["auto"][0][0].succeeded and wrong["auto"][0][0].http_status == 403
    missing_bucket = _run_both(seaweed, member, entries[1:])
    assert missing_bucket["auto"] == missing_bucket["boto3"]
    assert missing_bucket["auto"][0][0].error_code == "NoSuchBucket"

    # Versions and InvalidTag: moto knows both.
    results = _run_both(moto_server, member, versioned_entries(moto_server.client(), "lean-versions"))
    assert results["auto"] == results["boto3"]
    assert results["auto"][0][0].succeeded
    assert not results["auto"][1][0].succeeded


def test_invalid_tag_matches_boto3(moto_server):
    m3 = moto_server.client()
    invalid = _bucket(m3, "lean-invalid")
    m3.put_object(Bucket=invalid, Key="k", Body=b"x")
    bad = [{"Key": "aws:reserved", "Value": "x"}]
    results = {
        path: RetryPolicy(1).execute(_built(moto_server, "S3PutObjectTagging", path, tags=bad), _entry(invalid, "k"))
        for path in PATHS
    }  # fmt: skip
    assert results["auto"] == results["boto3"]
    assert results["auto"][0].error_code == "InvalidTag"


def test_slowdown_is_retried_like_boto3(seaweed, fault_proxy):
    s3 = seaweed.client()
    slow = _bucket(s3, "lean-slow")
    s3.put_object(Bucket=slow, Key="k", Body=b"x")
    for path in PATHS:
        fault_proxy.fail_next("slowdown", "slowdown")
        operation = _built(seaweed, "S3PutObjectTagging", path, endpoint=fault_proxy.url)
        seen = []
        outcome, attempts = RetryPolicy(5, base_delay=0.01, observe=seen.append).execute(operation, _entry(slow, "k"))
        assert outcome.succeeded and attempts == 3, (path, outcome, attempts)
        assert [(o.http_status, o.error_code, o.retryable) for o in seen[:2]] == [(503, "SlowDown", True)] * 2


class _Capture(ScriptedHandler):
    seen: list

    def _take(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.seen.append((self.command, self.path, self.headers, body))
        self.reply(204 if self.command == "DELETE" else 200)

    do_PUT = do_DELETE = _take


def _signed(headers) -> list[str]:
    return headers["Authorization"].split("SignedHeaders=")[1].split(",")[0].split(";")


@pytest.mark.parametrize("member", ["S3PutObjectTagging", "S3DeleteObjectTagging"])
@pytest.mark.parametrize("token", [None, "session/token+="])
def test_request_bytes_equal_boto3s(seaweed, member, token):
    with serve(_Capture, seen=[]) as (url, handler):
        for path in PATHS:
            operation = _built(seaweed, member, path, endpoint=url, token=token)
            outcome, _ = RetryPolicy(1).execute(operation, _entry("b", "a b/+%/é//x~", "v1+/="))
            assert outcome.succeeded
        (lean, boto) = handler.seen
    assert lean[:2] == boto[:2]  # method, path and query
    assert lean[3] == boto[3]  # body, byte for byte
    assert _signed(lean[2]) == _signed(boto[2])
    assert lean[2].get("x-amz-security-token") == token
    for name in ("x-amz-checksum-crc32", "x-amz-sdk-checksum-algorithm", "x-amz-content-sha256", "Content-Length",
                 "Accept-Encoding", "Host", "x-amz-security-token"):  # fmt: skip (User-Agent: botocore's feature flags vary per call)
        assert lean[2].get(name) == boto[2].get(name), name


def test_request_path_label():
    assert request_path("S3PutObjectTagging", LocalOptions()) == LEAN
    assert request_path("S3PutObjectTagging", LocalOptions(request_path="boto3")) == "boto3 (RequestPath is boto3)"
    assert request_path("LambdaInvoke", LocalOptions()) == "boto3"


@pytest.mark.parametrize("operation", [None, {"S3PutObjectCopy": {"TargetKeyPrefix": "copies"}}],
                         ids=["tagging", "copy"])  # fmt: skip
def test_run_reports_and_job_show_name_the_path(server_env, capsys, make_job, s3, bucket, operation):
    """End to end: `run` on the lean path and on boto3 gives the same report rows; `job show` says which ran."""
    import json

    from s3batch_tui.cli import main
    from s3batch_tui.core.report import open_report

    rows, codes = {}, {}
    for path in PATHS:
        job_path, _ = make_job(6, missing=("gone ü+%.txt",), name=f"job-{path}", operation=operation,
                               LocalOptions={"RequestPath": path})  # fmt: skip
        codes[path] = main(["run", str(job_path)])  # 1: some task failed (the missing key)
        job_id = capsys.readouterr().out.splitlines()[0]
        assert main(["job", "show", job_id, "--json"]) == 0
        job = json.loads(capsys.readouterr().out)["Job"]
        member = next(iter(operation or {"S3PutObjectTagging": None}))
        assert job["Local"]["RequestPath"] == request_path(member, LocalOptions(request_path=path))
        assert main(["job", "show", job_id]) == 0
        assert f"Request path: {job['Local']['RequestPath']}" in capsys.readouterr().out
        rows[path] = sorted(map(repr, open_report(job["Local"]["ReportLocation"]).rows()))
    assert rows["auto"] == rows["boto3"] and codes["auto"] == codes["boto3"] == 1
    assert any("NoSuchKey" in str(row) for row in rows["auto"])


def _started(operation, entries):
    """Each entry's outcome through `start` (as the engine sends first attempts), all in flight at once."""
    import threading

    outcomes, all_done = {}, threading.Event()

    def done_for(index):
        def done(outcome):
            outcomes[index] = outcome
            if len(outcomes) == len(entries):
                all_done.set()

        return done

    for index, entry in enumerate(entries):
        operation.start(entry, done_for(index))
    assert all_done.wait(30), outcomes
    return [outcomes[i] for i in range(len(entries))]


def test_start_gives_what_run_gives(seaweed, moto_server):
    """The engine's thread-free `start` and the blocking `run` agree: success, S3 errors, refused versions."""
    s3 = seaweed.client()
    bucket = _bucket(s3, "lean-start")
    for key in KEYS:
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    entries = [_entry(bucket, key, ordinal=i) for i, key in enumerate([*KEYS, "missing key+%"])]
    entries.append(_entry(bucket, KEYS[0], "v1"))  # never-versioned bucket: refused before any call
    entries.append(_entry("no-such-bucket-lean", "k"))
    operation = _built(seaweed, "S3PutObjectTagging", "auto")
    ran = [RetryPolicy(1).execute(operation, entry)[0] for entry in entries]
    assert _started(operation, entries) == ran
    assert [o.error_code for o in ran[-3:]] == ["NoSuchKey", "NoSuchVersion", "NoSuchBucket"]
    assert all(o.succeeded for o in ran[: len(KEYS)])

    wrong = _built(seaweed, "S3PutObjectTagging", "auto", secret="wrong-secret")
    assert _started(wrong, entries[:1]) == [RetryPolicy(1).execute(wrong, entries[0])[0]]

    m3 = moto_server.client()
    versions = _bucket(m3, "lean-start-versions")
    m3.put_bucket_versioning(Bucket=versions, VersioningConfiguration={"Status": "Enabled"})
    version = m3.put_object(Bucket=versions, Key="v key+%", Body=b"1")["VersionId"]
    versioned = [_entry(versions, "v key+%", version), _entry(versions, "v key+%", "nope-version")]
    on_moto = _built(moto_server, "S3PutObjectTagging", "auto")
    assert _started(on_moto, versioned) == [RetryPolicy(1).execute(on_moto, e)[0] for e in versioned]


def test_start_reports_a_closed_endpoint_as_a_retryable_connection_error(seaweed):
    from s3batch_tui.servers import free_ports

    (port,) = free_ports(1)
    operation = _built(seaweed, "S3PutObjectTagging", "auto", endpoint=f"http://127.0.0.1:{port}")
    (started,) = _started(operation, [_entry("b", "k")])
    ran, _ = RetryPolicy(1).execute(operation, _entry("b", "k"))
    assert started == ran
    assert (started.http_status, started.error_code, started.retryable) == (0, "EndpointConnectionError", True)
