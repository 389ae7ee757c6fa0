"""ControlInbox: how a runner reads the control requests other processes leave for its job."""

from __future__ import annotations

import time

from s3batch_tui.core.engine.inbox import POLL_SECONDS, ControlInbox
from s3batch_tui.core.status import JobStatus as S


def inbox_for(store, job_id: str) -> ControlInbox:
    return ControlInbox(store, job_id, 10, lambda write: write())


def test_take_reads_the_request_and_the_priority_and_clears_the_request(store, make_job):
    inbox = inbox_for(store, make_job("job-1", S.ACTIVE))
    assert inbox.take() is None and inbox.last is None
    store.set_priority("job-1", 42)
    store.set_request("job-1", "pause")
    assert inbox.take() == "pause" and inbox.last == "pause" and inbox.priority == 42
    assert store.get("job-1").requested is None
    assert inbox.take() is None


def test_a_request_written_between_the_read_and_the_clear_is_kept(store, make_job):
    job_id = make_job("job-1", S.ACTIVE)

    def write_then_cancel(write):  # the user cancels while the runner is clearing the pause it read
        store.set_request(job_id, "cancel")
        write()

    store.set_request(job_id, "pause")
    inbox = ControlInbox(store, job_id, 10, write_then_cancel)
    assert inbox.take() == "pause"
    assert store.get(job_id).requested == "cancel"


def test_due_at_most_every_poll_interval_unless_forced():
    inbox = ControlInbox(None, "job-1", 10, lambda write: write())
    assert inbox.due() and not inbox.due() and inbox.due(force=True)
    time.sleep(POLL_SECONDS)
    assert inbox.due()


def test_wait_returns_the_next_request_or_none_once_told_to_give_up(store, make_job):
    job_id = make_job("job-1", S.PAUSED)
    inbox = inbox_for(store, job_id)
    assert inbox.wait(give_up=lambda: True) is None
    calls = []  # nothing is pending: it polls until told to give up
    assert inbox.wait(give_up=lambda: calls.append(1) or len(calls) > 2) is None and len(calls) == 3
    store.set_request(job_id, "resume")
    assert inbox.wait(give_up=lambda: False) == "resume"
