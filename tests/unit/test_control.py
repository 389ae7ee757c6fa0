"""request_control: direct status changes when nobody runs a job, requests when a runner does."""

from __future__ import annotations

import pytest

from s3batch_tui.core.engine.control import ACTIONS, ControlResult, request_control
from s3batch_tui.core.errors import JobNotFound, JobStateError
from s3batch_tui.core.status import JobStatus as S
from s3batch_tui.core.store import Checkpoint, runner_identity

DONE, REQUESTED, NEEDS_RUNNER = ControlResult.DONE, ControlResult.REQUESTED, ControlResult.NEEDS_RUNNER


def give_progress(store, job_id: str, succeeded: int = 3) -> None:
    store.checkpoint(job_id, Checkpoint(succeeded, 0, 1.0, succeeded, [], None, {}), [])


# --- nobody runs the job ----------------------------------------------------------------


def test_pause_a_ready_job(store, make_job):
    make_job("job-1", S.READY)
    assert request_control(store, "job-1", "pause") is DONE
    record = store.get("job-1")
    assert record.status is S.PAUSED
    assert record.status_reason == "paused by the user"
    assert record.requested is None


def test_pausing_a_paused_job_is_a_harmless_no_op(store, make_job):
    make_job("job-1", S.PAUSED)
    assert request_control(store, "job-1", "pause") is DONE
    assert store.get("job-1").status is S.PAUSED


@pytest.mark.parametrize("status", [S.NEW, S.SUSPENDED])
def test_pause_is_refused_where_there_is_nothing_to_pause(store, make_job, status):
    make_job("job-1", status)
    with pytest.raises(JobStateError, match="pause"):
        request_control(store, "job-1", "pause")
    assert store.get("job-1").status is status


def test_resume_a_paused_job(store, make_job):
    make_job("job-1", S.PAUSED)
    assert request_control(store, "job-1", "resume") is DONE
    assert store.get("job-1").status is S.READY


@pytest.mark.parametrize("status", [S.NEW, S.READY, S.SUSPENDED])
def test_resume_is_refused_unless_paused(store, make_job, status):
    make_job("job-1", status)
    with pytest.raises(JobStateError):
        request_control(store, "job-1", "resume")
    assert store.get("job-1").status is status


def test_confirm_a_suspended_job(store, make_job):
    make_job("job-1", S.SUSPENDED)
    assert request_control(store, "job-1", "confirm") is DONE
    assert store.get("job-1").status is S.READY


def test_confirm_is_refused_unless_suspended(store, make_job):
    make_job("job-1", S.READY)
    with pytest.raises(JobStateError):
        request_control(store, "job-1", "confirm")


@pytest.mark.parametrize("status", [S.NEW, S.SUSPENDED, S.READY, S.PAUSED])
def test_cancel_a_job_without_progress(store, make_job, clock, status):
    make_job("job-1", status)
    clock.advance(7)
    assert request_control(store, "job-1", "cancel") is DONE
    record = store.get("job-1")
    assert record.status is S.CANCELLED
    assert record.status_reason == "cancelled by the user"
    assert record.terminated_at == clock.now


@pytest.mark.parametrize("status", [S.READY, S.PAUSED])
def test_cancel_a_job_with_progress_needs_a_runner(store, make_job, status):
    make_job("job-1", status)
    give_progress(store, "job-1")
    assert request_control(store, "job-1", "cancel") is NEEDS_RUNNER
    record = store.get("job-1")
    assert record.status is status  # its report must still be written by a runner
    assert record.requested == "cancel"


@pytest.mark.parametrize("status", [S.COMPLETE, S.CANCELLED, S.FAILED])
@pytest.mark.parametrize("action", ACTIONS)
def test_terminal_job_is_refused(store, make_job, status, action):
    make_job("job-1", status)
    with pytest.raises(JobStateError, match="ended"):
        request_control(store, "job-1", action)
    assert store.get("job-1").requested is None


def test_unknown_action_is_a_value_error(store, make_job):
    make_job("job-1", S.READY)
    with pytest.raises(ValueError, match="explode"):
        request_control(store, "job-1", "explode")
    assert store.get("job-1").status is S.READY


def test_unknown_job_is_not_found(store):
    with pytest.raises(JobNotFound):
        request_control(store, "nope", "pause")


def test_cancel_a_job_whose_runner_died(store, make_job, dead_owner):
    make_job("job-1", S.ACTIVE)
    store.acquire_lease("job-1", dead_owner)
    assert request_control(store, "job-1", "cancel") is DONE
    assert store.get("job-1").status is S.CANCELLED


def test_cancel_a_job_with_progress_whose_runner_died(store, make_job, dead_owner):
    make_job("job-1", S.ACTIVE)
    give_progress(store, "job-1")
    store.acquire_lease("job-1", dead_owner)
    assert request_control(store, "job-1", "cancel") is NEEDS_RUNNER
    record = store.get("job-1")
    assert (record.status, record.requested) == (S.PAUSED, "cancel")


# --- a live runner holds the job --------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "action"),
    [(S.ACTIVE, "pause"), (S.READY, "pause"), (S.ACTIVE, "cancel"), (S.PAUSED, "resume"),
     (S.SUSPENDED, "confirm"), (S.PAUSED, "cancel")],
)  # fmt: skip
def test_a_running_job_gets_a_request(store, make_job, status, action):
    make_job("job-1", status)
    store.acquire_lease("job-1", runner_identity())
    assert request_control(store, "job-1", action) is REQUESTED
    record = store.get("job-1")
    assert record.requested == action
    assert record.status is status  # the runner changes it, not us


def test_a_running_job_still_refuses_what_its_status_forbids(store, make_job):
    make_job("job-1", S.ACTIVE)
    store.acquire_lease("job-1", runner_identity())
    with pytest.raises(JobStateError):
        request_control(store, "job-1", "confirm")
    assert store.get("job-1").requested is None


def test_a_runner_that_takes_the_job_after_the_look_gets_a_request_instead(store, make_job, monkeypatch):
    """The lease is checked again inside the status write: a runner starting meanwhile is not overruled."""
    make_job("job-1", S.READY)
    looked = store.lease_is_live

    def runner_starts_right_after_we_look(record):
        answer = looked(record)
        store.acquire_lease("job-1", runner_identity())
        monkeypatch.setattr(store, "lease_is_live", looked)
        return answer

    monkeypatch.setattr(store, "lease_is_live", runner_starts_right_after_we_look)
    assert request_control(store, "job-1", "pause") is REQUESTED
    record = store.get("job-1")
    assert record.status is S.READY and record.requested == "pause"
