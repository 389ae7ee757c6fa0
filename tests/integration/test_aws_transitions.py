"""AWS's ways to the end, as a real runner walks them: Failing, Cancelling, Suspended expiry."""

from __future__ import annotations

import time

from s3batch_tui.core.engine.control import request_control
from s3batch_tui.core.engine.events import JobStatusChanged
from s3batch_tui.core.expiry import FAILURE_CODE, expire_suspended
from s3batch_tui.core.spec import JobSpec
from s3batch_tui.core.status import JobStatus as S
from tests.integration.conftest import job_document, seed_objects, write_manifest
from tests.integration.test_engine import make_engine


def _history(engine, job_id):
    return [status for status, _, _ in engine.store.history(job_id)]


def test_a_bad_manifest_fails_through_failing(server_env, tmp_path, bucket):
    manifest = tmp_path / "m.csv"
    manifest.write_text("Bucket,Key\n")  # `Bucket` is no valid bucket name: fails in Preparing
    engine = make_engine(tmp_path)
    try:
        job = engine.create(JobSpec.model_validate(job_document(manifest, None)))
        engine.start(job.id)
        record = engine.wait(job.id, 30)
    finally:
        engine.shutdown()
    assert record.status == S.FAILED
    assert _history(engine, job.id) == [S.NEW, S.PREPARING, S.FAILING, S.FAILED]


def _suspended(engine, tmp_path, s3, bucket) -> str:
    """A job needing confirmation, prepared by a runner of `engine` that now waits in Suspended."""
    seed_objects(s3, bucket, ["a", "b"])
    manifest = write_manifest(tmp_path / "m.csv", bucket, ["a", "b"])
    job = engine.create(JobSpec.model_validate(job_document(manifest, None, ConfirmationRequired=True)))
    suspended = engine.when(lambda e: isinstance(e, JobStatusChanged) and e.new == S.SUSPENDED)
    engine.start(job.id)
    assert suspended.wait(30)
    return job.id


def test_a_suspended_job_its_runner_waits_on_expires_through_failing(server_env, tmp_path, s3, bucket):
    engine = make_engine(tmp_path)
    try:
        job_id = _suspended(engine, tmp_path, s3, bucket)
        time.sleep(0.2)
        assert expire_suspended(engine.store, timeout_days=0.1 / 86400) == [job_id]  # another process looking
        record = engine.wait(job_id, 30)
    finally:
        engine.shutdown()
    assert record.status == S.FAILED and record.failure_reasons[0]["FailureCode"] == FAILURE_CODE
    assert _history(engine, job_id)[-3:] == [S.SUSPENDED, S.FAILING, S.FAILED]
    assert record.succeeded + record.failed == 0


def test_cancelling_a_suspended_job_its_runner_waits_on_passes_through_cancelling(server_env, tmp_path, s3, bucket):
    engine = make_engine(tmp_path)
    try:
        job_id = _suspended(engine, tmp_path, s3, bucket)
        request_control(engine.store, job_id, "cancel")
        record = engine.wait(job_id, 30)
    finally:
        engine.shutdown()
    assert record.status == S.CANCELLED
    assert _history(engine, job_id)[-3:] == [S.SUSPENDED, S.CANCELLING, S.CANCELLED]
