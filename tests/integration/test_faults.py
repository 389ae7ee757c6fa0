"""Jobs under faults injected by a real proxy between the engine and SeaweedFS.

Every test checks the report (each manifest entry exactly once) and the server's state
directly, not just the job's counters.
"""

from __future__ import annotations

import socket
import threading
import time
import urllib.parse

import boto3
import pytest
from botocore.config import Config

from s3batch_tui.core.describe import describe_job
from s3batch_tui.core.engine import retrying
from s3batch_tui.core.engine.control import ControlResult, request_control
from s3batch_tui.core.engine.events import JobProgressed, JobStatusChanged
from s3batch_tui.core.engine.retry import RetryPolicy
from s3batch_tui.core.manifest import location
from s3batch_tui.core.manifest.entry import ManifestEntry
from s3batch_tui.core.operations.base import OperationContext
from s3batch_tui.core.operations.copy import PutObjectCopyOperation
from s3batch_tui.core.report import open_report
from s3batch_tui.core.spec import JobOperation, JobSpec, LocalOptions
from s3batch_tui.core.status import JobStatus
from tests.integration.conftest import job_document, seed_objects
from tests.integration.test_engine import make_engine

TAG = {"S3PutObjectTagging": {"TagSet": [{"Key": "done", "Value": "yes"}]}}


def s3_manifest_job(s3, bucket, tmp_path, count, *, report_to_s3=False, **options):
    """Objects, a CSV manifest stored in the bucket, and a tagging job over it."""
    keys = [f"obj/{i:05d} ü+.txt" for i in range(count)]
    seed_objects(s3, bucket, keys)
    body = "".join(f"{bucket},{urllib.parse.quote_plus(k, safe='/')}\n" for k in keys).encode()
    etag = s3.put_object(Bucket=bucket, Key="manifest.csv", Body=body)["ETag"]
    document = job_document(tmp_path / "unused.csv", tmp_path / "reports", TAG) | {
        "Manifest": {
            "Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]},
            "Location": {"ObjectArn": f"arn:aws:s3:::{bucket}/manifest.csv", "ETag": etag},
        }
    }
    if report_to_s3:
        document["Report"] |= {"Bucket": f"arn:aws:s3:::{bucket}"}
    if options:
        document["LocalOptions"] = options
    return JobSpec.model_validate(document), keys


def report_keys(record, s3) -> list[str]:
    return [row.decoded_key for row in open_report(record.report_location, s3).rows()]


def assert_all_tagged(s3, bucket, keys):
    for key in keys:
        assert s3.get_object_tagging(Bucket=bucket, Key=key)["TagSet"] == [{"Key": "done", "Value": "yes"}], key


def test_transient_faults_on_manifest_reads_and_report_writes_are_retried(
    proxy_env, s3, bucket, tmp_path, monkeypatch
):
    monkeypatch.setattr(location, "CHUNK_SIZE", 4096)  # so a cut lands mid-stream, after bytes were read
    spec, keys = s3_manifest_job(s3, bucket, tmp_path, 300, report_to_s3=True)
    proxy_env.fail_next("slowdown", "reset_before", "truncate", "internal", "truncate", matching="/manifest.csv")
    engine = make_engine(tmp_path)
    try:
        record = engine.create(spec)
        engine.start(record.id)
        time.sleep(0.1)
        record = engine.wait(record.id, 120)
        # the re-read when the job turned Active and every report PUT also met faults
    finally:
        engine.shutdown()
    assert record.status == JobStatus.COMPLETE, record.status_reason
    assert (record.total_tasks, record.succeeded, record.failed) == (300, 300, 0)
    assert proxy_env.counts["truncate"] == 2
    assert sorted(report_keys(record, s3)) == sorted(keys)
    assert_all_tagged(s3, bucket, keys)


def test_report_puts_and_report_show_meeting_faults_are_retried(proxy_env, s3, bucket, tmp_path, capsys):
    spec, keys = s3_manifest_job(s3, bucket, tmp_path, 50, report_to_s3=True)
    proxy_env.fail_next("slowdown", "reset_before", "reset_after", matching=f"PUT /{bucket}/reports/")
    engine = make_engine(tmp_path)
    try:
        record = engine.create(spec)
        engine.start(record.id)
        record = engine.wait(record.id, 120)
    finally:
        engine.shutdown()
    assert record.status == JobStatus.COMPLETE, record.status_reason
    assert proxy_env.counts["reset_after"] == 1
    assert sorted(report_keys(record, s3)) == sorted(keys)

    from s3batch_tui.cli import main

    proxy_env.fail_next("slowdown", "reset_before", "internal", matching=f"GET /{bucket}/reports/")
    code = main(["--data-dir", str(tmp_path / "cli"), "report", "show", record.report_location])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Tasks: 50 (50 succeeded, 0 failed)" in out and proxy_env.counts["internal"] == 1


@pytest.mark.parametrize("resumed_first", [False, True], ids=["job-run", "resume-then-job-run"])
def test_a_report_that_cannot_be_written_leaves_the_job_resumable(
    proxy_env, s3, bucket, tmp_path, monkeypatch, resumed_first
):
    monkeypatch.setattr(retrying, "NON_TASK_ATTEMPTS", 3)
    spec, keys = s3_manifest_job(s3, bucket, tmp_path, 80, report_to_s3=True)
    proxy_env.fail_next(*["internal"] * 3, matching=f"PUT /{bucket}/reports/")
    engine = make_engine(tmp_path)
    try:
        record = engine.create(spec)
        engine.start(record.id)
        paused = engine.wait(record.id, 120)
        tagging_requests = proxy_env.counts["forwarded"]
        if resumed_first:  # `job resume ID` while no runner holds it: Paused -> Ready
            assert request_control(engine.store, record.id, "resume") == ControlResult.DONE
        engine.start(record.id)  # what `job run ID` does
        record = engine.wait(record.id, 120)
    finally:
        engine.shutdown()
    assert paused.status == JobStatus.PAUSED
    assert paused.status_reason.startswith("report not written: PutObject failed after retries: HTTP 500 InternalError")
    assert paused.report_location is None and paused.succeeded == 80
    assert record.status == JobStatus.COMPLETE and record.failure_reasons == []
    # the resume read nothing but wrote the report: one PUT per report file, no task again
    assert proxy_env.counts["forwarded"] - tagging_requests <= 3
    assert (record.succeeded, record.failed) == (80, 0)
    assert sorted(report_keys(record, s3)) == sorted(keys)
    history = [status for status, _, _ in engine.store.history(record.id)]
    assert history[-4 + (not resumed_first):] == [JobStatus.PAUSED] + [JobStatus.READY] * resumed_first + [
        JobStatus.COMPLETING, JobStatus.COMPLETE,
    ]  # fmt: skip


def run_through_outage(proxy, s3, bucket, tmp_path, *, count, outage, start_after, **options):
    """Run a local-manifest tagging job; cut the endpoint for `outage` s once `start_after` tasks are done."""
    spec, keys = s3_manifest_job(s3, bucket, tmp_path, count, **options)
    spec = JobSpec.model_validate(spec.to_json_dict() | {"Manifest": local_manifest(tmp_path, bucket, keys)})
    engine = make_engine(tmp_path)
    reasons: list[str] = []
    engine.add_listener(lambda e: reasons.append(e.reason) if isinstance(e, JobStatusChanged) and e.reason else None)
    started = threading.Event()
    engine.add_listener(lambda e: started.set() if isinstance(e, JobProgressed) and e.succeeded >= start_after else None)
    try:
        record = engine.create(spec)
        engine.start(record.id)
        assert started.wait(60)
        proxy.outage(outage)
        record = engine.wait(record.id, 300)
    finally:
        engine.shutdown()
    return engine, record, keys, reasons


def wait_until_listening(proxy, timeout: float = 10) -> None:
    """Until the proxy accepts connections again (its outage has ended)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", proxy.port), timeout=1).close()
            return
        except OSError:
            assert time.monotonic() < deadline, f"the proxy still refused connections after {timeout} s"
            time.sleep(0.05)


def local_manifest(tmp_path, bucket, keys) -> dict:
    path = tmp_path / "local-manifest.csv"
    path.write_text("".join(f"{bucket},{urllib.parse.quote_plus(k, safe='/')}\n" for k in keys), encoding="utf-8")
    return {"Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]},
            "Location": {"ObjectArn": f"file://{path}"}}  # fmt: skip


@pytest.mark.parametrize(
    ("outage", "probe"),
    [(5, 0.5), pytest.param(60, 1, marks=pytest.mark.slow, id="60-seconds-real-time")],
)
def test_an_outage_fails_no_task(proxy_env, s3, bucket, tmp_path, outage, probe):
    engine, record, keys, reasons = run_through_outage(
        proxy_env, s3, bucket, tmp_path, count=300, outage=outage, start_after=50,
        MaxOperationsPerSecond=100, OutageProbeSeconds=probe,
    )  # fmt: skip
    assert record.status == JobStatus.COMPLETE, record.status_reason
    assert (record.succeeded, record.failed) == (300, 0)
    assert any(r.startswith("endpoint unreachable, retrying in ") for r in reasons), reasons
    assert sorted(report_keys(record, s3)) == sorted(keys)
    assert_all_tagged(s3, bucket, keys)


def test_an_outage_longer_than_the_budget_pauses_the_job_and_a_resume_finishes_it(proxy_env, s3, bucket, tmp_path):
    engine, record, keys, reasons = run_through_outage(
        proxy_env, s3, bucket, tmp_path, count=200, outage=3, start_after=30,
        MaxOperationsPerSecond=100, OutageProbeSeconds=0.2, OutageBudgetSeconds=1,
    )  # fmt: skip
    assert record.status == JobStatus.PAUSED
    assert record.status_reason.startswith("endpoint unreachable for "), record.status_reason
    assert record.failed == 0 and record.succeeded < 200
    wait_until_listening(proxy_env)  # the outage is over, so the resume reaches the endpoint
    engine = make_engine(tmp_path)
    try:
        engine.start(record.id)
        record = engine.wait(record.id, 120)
    finally:
        engine.shutdown()
    assert record.status == JobStatus.COMPLETE, record.status_reason
    assert (record.succeeded, record.failed) == (200, 0)
    assert sorted(report_keys(record, s3)) == sorted(keys)
    assert_all_tagged(s3, bucket, keys)


def test_slowdown_lowers_the_rate_and_calm_raises_it_again(proxy_env, s3, bucket, tmp_path):
    spec, keys = s3_manifest_job(s3, bucket, tmp_path, 600, MaxOperationsPerSecond=300)
    spec = JobSpec.model_validate(spec.to_json_dict() | {"Manifest": local_manifest(tmp_path, bucket, keys)})
    engine = make_engine(tmp_path)
    seen: list[dict] = []
    try:
        record = engine.create(spec)
        proxy_env.mix(0.5, ("slowdown",))
        engine.start(record.id)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            live = engine.store.get(record.id)
            if live.runtime:
                shown = describe_job(live)["Job"]["Local"]["Runtime"]  # what `job show --json` prints
                seen.append(shown | {"reason": live.status_reason})
            if live.runtime and live.runtime.get("RateCuts", 0) >= 2:
                break
            time.sleep(0.2)
        proxy_env.clear()
        record = engine.wait(record.id, 120)
    finally:
        engine.shutdown()
    lowered = [s for s in seen if s.get("RateCuts")]
    assert lowered, seen
    assert lowered[-1]["EffectiveRate"] < 300 and lowered[-1]["RateCeiling"] == 300
    assert any((s["reason"] or "").startswith("rate lowered to ") for s in lowered)
    assert record.status == JobStatus.COMPLETE and (record.succeeded, record.failed) == (600, 0)
    assert sorted(report_keys(record, s3)) == sorted(keys)


def test_a_multipart_copy_retries_a_failed_part_alone(seaweed, fault_proxy, s3, bucket):
    body = bytes(range(256)) * (11 * 4096)  # 11 MiB: 3 parts of 5 MiB
    s3.put_object(Bucket=bucket, Key="big", Body=body)
    client = boto3.client("s3", endpoint_url=fault_proxy.url, aws_access_key_id=seaweed.access_key,
                          aws_secret_access_key=seaweed.secret_key, region_name=seaweed.region,
                          config=Config(retries={"total_max_attempts": 1}, s3={"addressing_style": "path"}))  # fmt: skip
    options = LocalOptions(multipart_copy_threshold_bytes=5 * 2**20, multipart_copy_part_size_bytes=5 * 2**20)
    spec = JobOperation.model_validate({"S3PutObjectCopy": {"TargetResource": f"arn:aws:s3:::{bucket}",
                                                            "TargetKeyPrefix": "copied"}}).params  # fmt: skip
    operation = PutObjectCopyOperation(spec, OperationContext(client, "job", options=options))
    fault_proxy.fail_next("reset_before", "internal", "reset_after", matching="partNumber=2")
    outcome, attempts = RetryPolicy().execute(operation, ManifestEntry(0, bucket, "big", None, "big"))
    assert outcome.succeeded and outcome.message == "Successful (multipart copy, 3 parts)"
    assert attempts == 1  # the task itself never started over
    assert sum("?uploads" in line for line in fault_proxy.requests) == 1
    assert sum("partNumber=2" in line for line in fault_proxy.requests) == 4
    assert s3.get_object(Bucket=bucket, Key="copied/big")["Body"].read() == body


def test_a_cancelled_job_whose_report_failed_ends_cancelled_on_resume_without_running_more(
    proxy_env, s3, bucket, tmp_path, monkeypatch
):
    monkeypatch.setattr(retrying, "NON_TASK_ATTEMPTS", 2)
    spec, keys = s3_manifest_job(s3, bucket, tmp_path, 200, report_to_s3=True, MaxOperationsPerSecond=40)
    proxy_env.fail_next("internal", "internal", matching=f"PUT /{bucket}/reports/")
    engine = make_engine(tmp_path)
    busy = engine.when(lambda e: isinstance(e, JobProgressed) and e.succeeded >= 20)
    try:
        record = engine.create(spec)
        engine.start(record.id)
        assert busy.wait(60)
        assert request_control(engine.store, record.id, "cancel") == ControlResult.REQUESTED
        paused = engine.wait(record.id, 60)
        engine.start(record.id)
        record = engine.wait(record.id, 60)
    finally:
        engine.shutdown()
    assert paused.status == JobStatus.PAUSED and paused.status_reason.startswith("report not written")
    assert record.status == JobStatus.CANCELLED and record.succeeded == paused.succeeded < 200
    done = report_keys(record, s3)
    assert len(done) == len(set(done)) == record.succeeded
