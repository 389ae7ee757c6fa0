"""AWS's ways to the end (Cancelling, Failing) in the store, and Suspended jobs expiring."""

from __future__ import annotations

import pytest

from s3batch_tui.core.engine.control import ControlResult, request_control
from s3batch_tui.core.expiry import DAY, FAILURE_CODE, expire_suspended
from s3batch_tui.core.status import JobStatus as S
from s3batch_tui.core.store import runner_identity

NO_WAY_TO_CANCEL = {S.PAUSING}


def _history(store, job_id):
    return [status for status, _, _ in store.history(job_id)]


@pytest.mark.parametrize("status", [S.NEW, S.SUSPENDED, S.READY, S.PAUSED])
def test_cancelling_a_job_nobody_runs_passes_through_cancelling(store, make_job, status):
    job_id = make_job("j", status)
    assert request_control(store, job_id, "cancel") == ControlResult.DONE
    assert _history(store, job_id)[-2:] == [S.CANCELLING, S.CANCELLED]
    assert store.get(job_id).status == S.CANCELLED


def test_a_job_failing_in_preparing_passes_through_failing(store, make_job):
    job_id = make_job("j", S.PREPARING)
    store.set_status(job_id, S.FAILED, "bad manifest", [{"FailureCode": "ManifestError", "FailureReason": "x"}])
    assert _history(store, job_id) == [S.NEW, S.PREPARING, S.FAILING, S.FAILED]


def test_suspended_date_is_when_the_job_was_suspended(store, make_job, clock):
    job_id = make_job("j", S.PREPARING)
    clock.advance(5)
    store.set_status(job_id, S.SUSPENDED)
    at = clock.now
    clock.advance(7)
    store.set_status(job_id, S.READY)
    assert store.get(job_id).suspended_at == at


def test_a_job_suspended_longer_than_the_timeout_fails_with_the_reason(store, make_job, clock):
    old = make_job("old", S.SUSPENDED)
    clock.advance(29 * DAY)
    young = make_job("young", S.SUSPENDED)
    assert expire_suspended(store) == []
    clock.advance(DAY + 1)
    assert expire_suspended(store) == [old]
    record = store.get(old)
    assert record.status == S.FAILED and _history(store, old)[-2:] == [S.FAILING, S.FAILED]
    assert record.failure_reasons == [{"FailureCode": FAILURE_CODE,
                                       "FailureReason": "The job was not confirmed within 30 days of being suspended,"
                                                        " so it failed"}]  # fmt: skip
    assert store.get(young).status == S.SUSPENDED


def test_the_timeout_is_configurable(store, make_job, clock):
    job_id = make_job("j", S.SUSPENDED)
    clock.advance(2 * DAY)
    assert expire_suspended(store, timeout_days=1) == [job_id]
    assert "within 1 day of" in store.get(job_id).status_reason


def test_a_confirmed_job_never_expires(store, make_job, clock):
    job_id = make_job("j", S.SUSPENDED)
    store.set_status(job_id, S.READY)
    clock.advance(40 * DAY)
    assert expire_suspended(store) == [] and store.get(job_id).status == S.READY


def test_a_suspended_job_a_live_runner_waits_on_gets_a_request(store, make_job, clock):
    job_id, owner = make_job("j", S.SUSPENDED), runner_identity()
    assert store.acquire_lease(job_id, owner)
    clock.advance(31 * DAY)
    store.renew_leases(owner, [job_id])
    assert expire_suspended(store) == [job_id]
    record = store.get(job_id)
    assert record.status == S.SUSPENDED and record.requested == "expire"
