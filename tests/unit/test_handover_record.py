"""The hand-over's building blocks without a server: the `release` request and the runner's refusal."""

from __future__ import annotations

import pytest

from s3batch_tui.core.engine.control import RELEASE, ControlResult, request_control
from s3batch_tui.core.errors import JobStateError
from s3batch_tui.core.handover.record import (
    PREPARING,
    SENDING,
    SUBMITTED,
    HandoverRecord,
    forget_record,
    load_record,
    runner_refusal,
    save_record,
)
from s3batch_tui.core.status import JobStatus as S
from s3batch_tui.core.store import runner_identity


def test_release_pauses_a_waiting_job_and_leaves_a_paused_one_as_it_is(store, make_job):
    make_job("ready", S.READY)
    assert request_control(store, "ready", RELEASE, "to hand over") is ControlResult.DONE
    assert (store.get("ready").status, store.get("ready").status_reason) == (S.PAUSED, "to hand over")
    make_job("paused", S.PAUSED)
    assert request_control(store, "paused", RELEASE) is ControlResult.DONE
    assert store.get("paused").requested is None


@pytest.mark.parametrize("status", [S.ACTIVE, S.PAUSED])
def test_release_of_a_job_a_runner_holds_is_a_request_to_it(store, make_job, status):
    make_job("job-1", status)
    store.acquire_lease("job-1", runner_identity())
    assert request_control(store, "job-1", RELEASE, "to hand over") is ControlResult.REQUESTED
    assert (store.get("job-1").requested, store.get("job-1").status) == (RELEASE, status)


@pytest.mark.parametrize("status", [S.NEW, S.SUSPENDED])
def test_release_is_refused_before_a_job_is_prepared(store, make_job, status):
    make_job("job-1", status)
    with pytest.raises(JobStateError, match="release"):
        request_control(store, "job-1", RELEASE)
    assert store.get("job-1").status is status


def test_a_runner_refuses_a_job_only_once_its_hand_over_may_have_reached_s3_control(tmp_path):
    assert runner_refusal(tmp_path) is None
    record = save_record(tmp_path, HandoverRecord(PREPARING, "token-1", "s3://b/p", None, "us-east-1",
                                                  "111122223333", "AWS 111122223333 us-east-1"))  # fmt: skip
    assert runner_refusal(tmp_path) is None  # nothing left this machine yet
    save_record(tmp_path, record.advanced(SENDING, manifest="s3://b/p/m.csv", remaining=5, done_here=3))
    assert "may have created a job there" in runner_refusal(tmp_path)
    save_record(tmp_path, load_record(tmp_path).advanced(SUBMITTED, aws_job_id="aws-1"))
    assert "handed over to job aws-1 on AWS 111122223333 us-east-1" in runner_refusal(tmp_path)
    assert load_record(tmp_path).token == "token-1" and load_record(tmp_path).remaining == 5
    forget_record(tmp_path)
    assert load_record(tmp_path) is None and runner_refusal(tmp_path) is None
