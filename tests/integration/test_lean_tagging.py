"""The lean (awscrt) tagging path against boto3's: same server result, same outcome.

Both paths run the same entries on the same real servers (SeaweedFS checks signatures,
moto knows versions and InvalidTag); only the request path differs.
"""

from __future__ import annotations

import pytest

from s3batch_tui.core.engine.retry import RetryPolicy
from s3batch_tui.core.lean.choice import LEAN, request_path
from s3batch_tui.core.spec import LocalOptions
from tests.integration.lean_equivalence import KEYS, PATHS, built, entry, new_bucket, run_both, started, versioned_entries

pytest.importorskip("awscrt")

TAGS = [{"Key": "project", "Value": "blue green"}, {"Key": "é", "Value": "ü +=:/@"}]


def _operation(member: str, tags=TAGS) -> dict:
    return {member: {"TagSet": tags} if member == "S3PutObjectTagging" else {}}


def _built(server, member, path, tags=TAGS, **kwargs):
    return built(server, _operation(member, tags), path, **kwargs)


def _run_both(server, member, entries, **kwargs):
    return run_both(server, _operation(member), entries, **kwargs)


@pytest.mark.parametrize("server_name", ["seaweed", "moto_server"])
def test_put_and_delete_give_boto3s_results(server_name, request):
    server = request.getfixturevalue(server_name)
    s3 = server.client()
    bucket = new_bucket(s3, "lean")
    for key in KEYS:
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    entries = [entry(bucket, key, ordinal=i) for i, key in enumerate([*KEYS, "missing key+%"])]
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
    errors = new_bucket(s3, "lean-errors")
    s3.put_object(Bucket=errors, Key="k", Body=b"x")
    entries = [entry(errors, "k"), entry("no-such-bucket-lean", "k")]
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
    invalid = new_bucket(m3, "lean-invalid")
    m3.put_object(Bucket=invalid, Key="k", Body=b"x")
    bad = [{"Key": "aws:reserved", "Value": "x"}]
    results = {
        path: RetryPolicy(1).execute(_built(moto_server, "S3PutObjectTagging", path, tags=bad), entry(invalid, "k"))
        for path in PATHS
    }  # fmt: skip
    assert results["auto"] == results["boto3"]
    assert results["auto"][0].error_code == "InvalidTag"


def test_slowdown_is_retried_like_boto3(seaweed, fault_proxy):
    s3 = seaweed.client()
    slow = new_bucket(s3, "lean-slow")
    s3.put_object(Bucket=slow, Key="k", Body=b"x")
    for path in PATHS:
        fault_proxy.fail_next("slowdown", "slowdown")
        operation = _built(seaweed, "S3PutObjectTagging", path, endpoint=fault_proxy.url)
        seen = []
        outcome, attempts = RetryPolicy(5, base_delay=0.01, observe=seen.append).execute(operation, entry(slow, "k"))
        assert outcome.succeeded and attempts == 3, (path, outcome, attempts)
        assert [(o.http_status, o.error_code, o.retryable) for o in seen[:2]] == [(503, "SlowDown", True)] * 2


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


def test_start_gives_what_run_gives(seaweed, moto_server):
    """The engine's thread-free `start` and the blocking `run` agree: success, S3 errors, refused versions."""
    s3 = seaweed.client()
    bucket = new_bucket(s3, "lean-start")
    for key in KEYS:
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    entries = [entry(bucket, key, ordinal=i) for i, key in enumerate([*KEYS, "missing key+%"])]
    entries.append(entry(bucket, KEYS[0], "v1"))  # never-versioned bucket: refused before any call
    entries.append(entry("no-such-bucket-lean", "k"))
    operation = _built(seaweed, "S3PutObjectTagging", "auto")
    ran = [RetryPolicy(1).execute(operation, entry)[0] for entry in entries]
    assert started(operation, entries) == ran
    assert [o.error_code for o in ran[-3:]] == ["NoSuchKey", "NoSuchVersion", "NoSuchBucket"]
    assert all(o.succeeded for o in ran[: len(KEYS)])

    wrong = _built(seaweed, "S3PutObjectTagging", "auto", secret="wrong-secret")
    assert started(wrong, entries[:1]) == [RetryPolicy(1).execute(wrong, entries[0])[0]]

    m3 = moto_server.client()
    versions = new_bucket(m3, "lean-start-versions")
    m3.put_bucket_versioning(Bucket=versions, VersioningConfiguration={"Status": "Enabled"})
    version = m3.put_object(Bucket=versions, Key="v key+%", Body=b"1")["VersionId"]
    versioned = [entry(versions, "v key+%", version), entry(versions, "v key+%", "nope-version")]
    on_moto = _built(moto_server, "S3PutObjectTagging", "auto")
    assert started(on_moto, versioned) == [RetryPolicy(1).execute(on_moto, e)[0] for e in versioned]


def test_start_reports_a_closed_endpoint_as_a_retryable_connection_error(seaweed):
    from s3batch_tui.servers import free_ports

    (port,) = free_ports(1)
    operation = _built(seaweed, "S3PutObjectTagging", "auto", endpoint=f"http://127.0.0.1:{port}")
    (outcome,) = started(operation, [entry("b", "k")])
    ran, _ = RetryPolicy(1).execute(operation, entry("b", "k"))
    assert outcome == ran
    assert (outcome.http_status, outcome.error_code, outcome.retryable) == (0, "EndpointConnectionError", True)
