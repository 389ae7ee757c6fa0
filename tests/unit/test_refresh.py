"""The S3 Control refresh scheduler: one request budget for the whole view, back-off on throttling.

The backend here is an in-memory stand-in that answers in S3 Control's shapes: these
tests are about which request goes when, on a fake clock. The same scheduler meets a
real throttling answer over loopback in tests/tui/test_control_backend.py.
"""

from __future__ import annotations

import datetime as dt

import pytest

from s3batch_tui.core.backends.base import Backend
from s3batch_tui.core.backends.refresh import Refresher
from s3batch_tui.core.errors import BackendThrottled, BackendUnreachable, JobNotFound
from s3batch_tui.core.formatting import format_duration

CREATED = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Answers(Backend):
    """ListJobs and DescribeJob answers from a dict of statuses; `fail` raises instead."""

    label = "test"

    def __init__(self, statuses: dict[str, str]) -> None:
        self.statuses = statuses
        self.calls: list[tuple[str, str | None]] = []
        self.fail: Exception | None = None

    def _answer(self, kind: str, job_id: str | None) -> None:
        self.calls.append((kind, job_id))
        if self.fail is not None:
            raise self.fail

    def list_jobs(self):
        self._answer("list", None)
        return [{"JobId": i, "Status": s, "Operation": "S3PutObjectTagging", "CreationTime": CREATED,
                 "ProgressSummary": {"TotalNumberOfTasks": 10, "NumberOfTasksSucceeded": 4, "NumberOfTasksFailed": 1}}
                for i, s in self.statuses.items()]  # fmt: skip

    def describe(self, job_id):
        self._answer("describe", job_id)
        if job_id not in self.statuses:
            raise JobNotFound(job_id)
        return {"JobId": job_id, "Status": self.statuses[job_id], "Operation": {"S3PutObjectTagging": {}},
                "RoleArn": "arn:aws:iam::1:role/r", "StatusUpdateReason": "why",
                "Report": {"Enabled": True, "Bucket": "arn:aws:s3:::reports", "Prefix": "p/"}}  # fmt: skip

    create = cancel = confirm = set_priority = get_tags = put_tags = None


def drive(refresher: Refresher, clock: Clock, seconds: float) -> None:
    """Run the worker's loop for `seconds` of fake time."""
    end = clock.now + seconds
    while clock.now < end:
        clock.now += max(refresher.step(), 0.01)


def test_the_whole_view_stays_within_its_request_budget_however_many_jobs_run():
    backend = Answers({f"job-{n}": "Active" for n in range(50)})
    clock = Clock()
    refresher = Refresher(backend, rate=2.0, clock=clock)
    drive(refresher, clock, 60)
    assert 100 <= len(backend.calls) <= 122  # 2 a second, plus the first token
    assert backend.calls[0] == ("list", None)
    assert len(refresher.jobs) == 50


def test_active_jobs_are_described_in_turn_and_ended_ones_once_for_their_report():
    backend = Answers({"a": "Active", "b": "Active", "done": "Complete"})
    clock = Clock()
    refresher = Refresher(backend, rate=2.0, describe_every=2.0, clock=clock)
    drive(refresher, clock, 10)
    described = [job for kind, job in backend.calls if kind == "describe"]
    assert described.count("done") == 1
    assert described.count("a") >= 3 and described.count("b") >= 3
    done = refresher.jobs["done"]
    assert done.report_location == "s3://reports/p/job-done/manifest.json"
    assert done.status_reason == "why" and refresher.jobs["a"].report_location is None


def test_a_wanted_job_goes_first_and_a_job_gone_from_the_backend_is_dropped():
    backend = Answers({"a": "Active"})
    clock = Clock()
    refresher = Refresher(backend, clock=clock)
    drive(refresher, clock, 1)
    refresher.want("a")
    del backend.statuses["a"]
    backend.calls.clear()
    drive(refresher, clock, 1)
    assert backend.calls[0] == ("describe", "a")
    assert "a" not in refresher.jobs


@pytest.mark.parametrize("fault, problem", [(BackendThrottled("TooManyRequestsException"), "throttled"),
                                            (BackendUnreachable("refused"), "unreachable: refused")])  # fmt: skip
def test_throttling_backs_off_exponentially_and_says_when_it_tries_again(fault, problem):
    backend = Answers({"a": "Active"})
    clock = Clock()
    refresher = Refresher(backend, rate=100.0, clock=clock)
    backend.fail = fault
    waits = []
    for _ in range(7):
        assert refresher.step() == 0.0  # the request went, and failed
        waits.append(refresher.step())
        assert refresher.state.describe(clock.now) == f"{problem}, next refresh in {format_duration(waits[-1])}"
        clock.now += waits[-1]
    assert waits == [2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0]
    assert len(backend.calls) == 7  # nothing sent while backing off
    backend.fail = None
    refresher.step()
    assert refresher.state.problem is None and refresher.state.listed
    backend.fail = fault
    refresher.want("a")
    refresher.step()
    assert refresher.step() == 2.0  # an answer resets the back-off


def test_the_users_own_requests_count_against_the_budget():
    backend = Answers({"a": "Active"})
    clock = Clock()
    refresher = Refresher(backend, rate=2.0, clock=clock)
    refresher.spend(4)
    assert refresher.step() == pytest.approx(2.0)  # 4 tokens owed at 2 a second (1 was in the bucket)
    assert backend.calls == []


def test_unreachable_before_any_listing_shows_the_history_mirror_and_says_so(tmp_path):
    from s3batch_tui.core.backends.mirroring import ControlMirror
    from s3batch_tui.core.store import Store
    from s3batch_tui.core.store.mirror import BackendIdentity

    mirror = ControlMirror(Store(tmp_path / "jobs.db"), BackendIdentity("1", "us-east-1", "http://127.0.0.1:1"))
    seen = Answers({"a": "Complete", "b": "Active"})
    mirror.listed(seen.list_jobs())
    mirror.described(seen.describe("a"))
    offline = Answers({})
    offline.mirror = mirror
    offline.fail = BackendUnreachable("refused")
    clock = Clock()
    refresher = Refresher(offline, clock=clock)
    refresher.step()
    assert set(refresher.jobs) == {"a", "b"} and refresher.jobs["b"].status.value == "Active"
    assert refresher.jobs["a"].report_location == "s3://reports/p/job-a/manifest.json"  # from the mirrored describe
    assert refresher.state.problem == "unreachable: refused; showing 2 jobs from the local history"
    clock.now += 60
    refresher.step()  # still down: the same jobs, still said
    assert refresher.state.problem.endswith("showing 2 jobs from the local history") and len(refresher.jobs) == 2
    offline.fail = None  # back: the live listing replaces the history (no jobs there now)
    clock.now += 120
    refresher.step()
    assert refresher.state.problem is None and refresher.jobs == {}
