"""The engine in process: priorities across jobs, inventories with versions, control."""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
import time

from s3batch_tui.core.engine.control import ControlResult, request_control
from s3batch_tui.core.engine.engine import Engine
from s3batch_tui.core.engine.events import JobProgressed, JobStatusChanged, TaskFailed
from s3batch_tui.core.report import open_report
from s3batch_tui.core.s3 import ClientFactory
from s3batch_tui.core.spec import JobSpec
from s3batch_tui.core.status import JobStatus
from s3batch_tui.core.store import Store
from s3batch_tui.settings import Settings
from tests.integration.conftest import job_document, seed_objects, write_manifest


def make_engine(tmp_path, workers: int = 4) -> Engine:
    settings = Settings.load(tmp_path / "engine-home", workers)
    return Engine(settings, Store(settings.db_path), ClientFactory(max_pool_connections=workers))


def run_to_end(tmp_path, document: dict, workers: int = 4):
    """Create and run the job in a fresh engine; its record once it ended (60 s at most)."""
    engine = make_engine(tmp_path, workers)
    try:
        record = engine.create(JobSpec.model_validate(document))
        engine.start(record.id)
        return engine.wait(record.id, 60)
    finally:
        engine.shutdown()


def test_a_higher_priority_job_takes_the_pool_first(server_env, tmp_path, s3, bucket):
    keys = [f"p/{i}" for i in range(300)]
    seed_objects(s3, bucket, keys)
    manifest = write_manifest(tmp_path / "m.csv", bucket, keys)
    engine = make_engine(tmp_path, workers=2)
    try:
        low = engine.create(JobSpec.model_validate(job_document(manifest, None, Priority=1)))
        high = engine.create(JobSpec.model_validate(job_document(manifest, None, Priority=100)))
        low_active = engine.when(lambda e: isinstance(e, JobProgressed) and e.job_id == low.id and e.succeeded >= 5)
        engine.start(low.id)
        assert low_active.wait(30)
        engine.start(high.id)
        high_done, low_done = engine.wait(high.id, 60), engine.wait(low.id, 60)
    finally:
        engine.shutdown()
    assert high_done.status == low_done.status == JobStatus.COMPLETE
    assert high_done.terminated_at < low_done.terminated_at
    assert low_done.succeeded == high_done.succeeded == 300


def test_an_inventory_job_acts_on_the_listed_versions_and_skips_delete_markers(server_env, tmp_path, s3, bucket):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    old = s3.put_object(Bucket=bucket, Key="doc one.txt", Body=b"v1")["VersionId"]
    current = s3.put_object(Bucket=bucket, Key="doc one.txt", Body=b"v2")["VersionId"]
    rows = [
        f'"{bucket}","doc+one.txt","{old}","false","false"',
        f'"{bucket}","gone.txt","marker-version","true","true"',
    ]
    data = gzip.compress(("\n".join(rows) + "\n").encode())
    s3.put_object(Bucket=bucket, Key="inv/data/part-0.csv.gz", Body=data)
    inventory = {
        "sourceBucket": bucket,
        "destinationBucket": f"arn:aws:s3:::{bucket}",
        "fileFormat": "CSV",
        "fileSchema": "Bucket, Key, VersionId, IsLatest, IsDeleteMarker",
        "files": [{"key": "inv/data/part-0.csv.gz", "size": len(data), "MD5checksum": hashlib.md5(data).hexdigest()}],
    }
    etag = s3.put_object(Bucket=bucket, Key="inv/manifest.json", Body=json.dumps(inventory).encode())["ETag"]
    document = job_document(tmp_path / "unused.csv", tmp_path / "reports") | {
        "Manifest": {
            "Spec": {"Format": "S3InventoryReport_CSV_20161130"},
            "Location": {"ObjectArn": f"arn:aws:s3:::{bucket}/inv/manifest.json", "ETag": etag},
        }
    }
    record = run_to_end(tmp_path, document)
    assert record.status == JobStatus.COMPLETE
    assert (record.total_tasks, record.succeeded, record.skipped_rows) == (1, 1, 1)
    tagged = s3.get_object_tagging(Bucket=bucket, Key="doc one.txt", VersionId=old)["TagSet"]
    untouched = s3.get_object_tagging(Bucket=bucket, Key="doc one.txt", VersionId=current)["TagSet"]
    assert tagged == [{"Key": "done", "Value": "yes"}] and untouched == []


def test_pause_resume_and_cancel_in_process_report_each_task_once(server_env, tmp_path, s3, bucket):
    keys = [f"c/{i:03d}" for i in range(200)]
    seed_objects(s3, bucket, keys)
    manifest = write_manifest(tmp_path / "m.csv", bucket, keys + ["c/missing"])
    # Slow enough that the cancel lands mid-run: a resume may spend a one-second burst at once.
    document = job_document(manifest, tmp_path / "reports", LocalOptions={"MaxOperationsPerSecond": 40})
    engine = make_engine(tmp_path)
    events: list = []
    engine.add_listener(events.append)
    try:
        record = engine.create(JobSpec.model_validate(document))
        started = engine.when(lambda e: isinstance(e, JobProgressed) and e.succeeded >= 20)
        paused = engine.when(lambda e: isinstance(e, JobStatusChanged) and e.new == JobStatus.PAUSED)
        engine.start(record.id)
        assert started.wait(30)
        assert request_control(engine.store, record.id, "pause") == ControlResult.REQUESTED
        assert paused.wait(30)
        held = engine.store.get(record.id)
        assert held.status == JobStatus.PAUSED and held.status_reason == "paused by the user"
        threading.Event().wait(0.6)
        assert engine.store.get(record.id).succeeded == held.succeeded  # nothing runs while paused
        resumed = engine.when(lambda e: isinstance(e, JobProgressed) and e.succeeded >= held.succeeded + 20)
        request_control(engine.store, record.id, "resume")
        assert resumed.wait(30)
        request_control(engine.store, record.id, "cancel")
        final = engine.wait(record.id, 30)
    finally:
        engine.shutdown()
    assert final.status == JobStatus.CANCELLED
    statuses = [e.new for e in events if isinstance(e, JobStatusChanged)]
    assert statuses[-2:] == [JobStatus.CANCELLING, JobStatus.CANCELLED]
    assert JobStatus.PAUSING in statuses and statuses.count(JobStatus.ACTIVE) == 2
    reported = [row.key for row in open_report(final.report_location).rows()]
    assert len(reported) == len(set(reported)) == final.succeeded + final.failed < len(keys)
    failed_events = [e for e in events if isinstance(e, TaskFailed)]
    assert len(failed_events) == final.failed


def test_demo_runs_on_an_embedded_server(tmp_path, capsys):
    from s3batch_tui.cli import main

    code = main(["--data-dir", str(tmp_path / "demo-home"), "demo", "--objects", "12", "--headless"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Tasks: 14 total, 12 succeeded, 2 failed" in out
    assert "Report: s3://demo-reports/batch/job-" in out


def big_manifest(tmp_path, bucket: str, rows: int = 300_000):
    path = tmp_path / "big.csv"
    with path.open("w") as file:
        for i in range(rows):
            file.write(f"{bucket},k/{i}\n")
    return path


def test_cancel_while_preparing_stops_the_validation_pass(server_env, tmp_path, bucket):
    engine = make_engine(tmp_path)
    try:
        record = engine.create(JobSpec.model_validate(job_document(big_manifest(tmp_path, bucket), None)))
        preparing = engine.when(lambda e: isinstance(e, JobStatusChanged) and e.new == JobStatus.PREPARING)
        engine.start(record.id)
        assert preparing.wait(10)
        request_control(engine.store, record.id, "cancel")
        final = engine.wait(record.id, 30)
    finally:
        engine.shutdown()
    assert final.status == JobStatus.CANCELLED and final.total_tasks is None
    assert final.status_reason == "cancelled while preparing"


def test_shutdown_while_preparing_pauses_and_a_resume_prepares_again(server_env, tmp_path, bucket):
    manifest = big_manifest(tmp_path, bucket)
    engine = make_engine(tmp_path)
    record = engine.create(JobSpec.model_validate(job_document(manifest, None)))
    preparing = engine.when(lambda e: isinstance(e, JobStatusChanged) and e.new == JobStatus.PREPARING)
    engine.start(record.id)
    assert preparing.wait(10)
    started = time.monotonic()
    engine.shutdown("interrupted by the user")
    assert time.monotonic() - started < 5  # did not wait for the whole validation pass
    paused = engine.store.get(record.id)
    assert paused.status == JobStatus.PAUSED and paused.total_tasks is None
    manifest.write_text(f"{bucket},k/0\n")  # a small manifest now, so the resumed job finishes fast
    again = make_engine(tmp_path)
    try:
        again.start(record.id)
        final = again.wait(record.id, 30)
    finally:
        again.shutdown()
    assert final.total_tasks == 1 and final.status == JobStatus.COMPLETE


def test_a_cancel_that_arrives_as_preparing_ends_is_not_lost(server_env, tmp_path, s3, bucket):
    """The race CI once hit: the request lands after the last poll, before Suspended is set."""
    keys = ["c/0"]
    seed_objects(s3, bucket, keys)
    engine = make_engine(tmp_path)
    try:
        record = engine.create(JobSpec.model_validate(
            job_document(write_manifest(tmp_path / "m.csv", bucket, keys), None, ConfirmationRequired=True)))
        save_prepared = engine.store.save_prepared

        def cancel_then_save(job_id, *args):  # the user's cancel lands between validation and the status
            request_control(engine.store, job_id, "cancel")
            save_prepared(job_id, *args)

        engine.store.save_prepared = cancel_then_save
        engine.start(record.id)
        final = engine.wait(record.id, 30)
    finally:
        engine.shutdown()
    assert final.status == JobStatus.CANCELLED
    assert final.status_reason == "cancelled before it was confirmed"


def _peak_requests_in_flight(proxy, tmp_path, s3, bucket, count: int, **options) -> tuple[int, JobStatus]:
    keys = [f"w/{i:03d}" for i in range(count)]
    seed_objects(s3, bucket, keys)
    manifest = write_manifest(tmp_path / f"w-{count}.csv", bucket, keys)
    document = job_document(manifest, None) | ({"LocalOptions": options} if options else {})
    proxy.latency(0.25)  # every request waits: the job keeps as many in flight as it may
    status = run_to_end(tmp_path, document, workers=2).status
    return proxy.peak_in_flight, status


def test_started_requests_are_16_in_flight_per_worker_and_threaded_ones_one_per_thread(proxy_env, tmp_path, s3,
                                                                                          bucket):  # fmt: skip
    """The lean path holds no thread per request: 2 workers keep 32 in flight; boto3's way keeps 2."""
    peak, status = _peak_requests_in_flight(proxy_env, tmp_path, s3, bucket, 96)
    assert status == JobStatus.COMPLETE and 24 < peak <= 32
    proxy_env.peak_in_flight = 0
    peak, status = _peak_requests_in_flight(proxy_env, tmp_path, s3, bucket, 10, RequestPath="boto3")
    assert status == JobStatus.COMPLETE and peak == 2
