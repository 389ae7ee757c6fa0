"""Where a runner that could not start leaves its job (core/start_failure.py)."""

from __future__ import annotations

import pytest

from s3batch_tui.core.start_failure import record_start_failure
from s3batch_tui.core.status import JobStatus as S
from s3batch_tui.core.store import runner_identity


def job_in(store, job_spec, *path: S) -> str:
    job_id = store.create_job(f"job-{len(path)}-{path[-1] if path else 'new'}", job_spec).id
    for status in path:
        store.set_status(job_id, status)
    return job_id


def test_a_new_job_fails_with_the_code_and_reason(store, job_spec):
    job_id = job_in(store, job_spec)
    assert record_start_failure(store, job_id, "ProfileNotFound", "no such profile")
    record = store.get(job_id)
    assert record.status == S.FAILED and record.status_reason == "no such profile"
    assert record.failure_reasons == [{"FailureCode": "ProfileNotFound", "FailureReason": "no such profile"}]


@pytest.mark.parametrize("path, expected", [
    ((S.PREPARING, S.READY), S.PAUSED),
    ((S.PREPARING, S.PAUSED), S.PAUSED),
    ((S.PREPARING, S.SUSPENDED), S.SUSPENDED),
])  # fmt: skip
def test_a_job_that_had_started_keeps_a_resumable_status_with_the_reason(store, job_spec, path, expected):
    job_id = job_in(store, job_spec, *path)
    assert record_start_failure(store, job_id, "EndpointUnreachable", "cannot reach it")
    record = store.get(job_id)
    assert (record.status, record.status_reason, record.failure_reasons) == (expected, "cannot reach it", [])


def test_ended_jobs_and_jobs_a_live_runner_holds_are_left_alone(store, job_spec):
    ended = job_in(store, job_spec, S.CANCELLED)
    assert not record_start_failure(store, ended, "X", "y")
    assert store.get(ended).status == S.CANCELLED
    held = job_in(store, job_spec)
    assert store.acquire_lease(held, runner_identity())
    assert not record_start_failure(store, held, "X", "y")
    assert store.get(held).status == S.NEW
