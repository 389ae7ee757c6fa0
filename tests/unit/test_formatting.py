"""Numbers and text as users read them: rates, plurals, invisible characters made visible."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from s3batch_tui.core.formatting import RateTracker, escape_invisible, plural
from s3batch_tui.core.status import JobStatus


@dataclass
class Job:
    """The fields of a JobRecord a rate needs."""

    id: str
    status: JobStatus
    succeeded: int
    failed: int = 0


def test_samples_from_before_the_job_ran_do_not_drag_the_rate_down(clock):
    tracker = RateTracker(clock=clock)
    for _ in range(20):  # 5 s of Preparing and Ready at zero tasks done
        tracker.observe_jobs([Job("a", JobStatus.PREPARING, 0)])
        clock.advance(0.25)
    tracker.observe_jobs([Job("a", JobStatus.ACTIVE, 0)])
    clock.advance(1.0)
    rates = tracker.observe_jobs([Job("a", JobStatus.ACTIVE, 700)])
    assert rates == {"a": pytest.approx(700.0)}


def test_no_rate_until_a_second_of_samples(clock):
    tracker = RateTracker(clock=clock)
    assert tracker.observe("a", 0) == 0.0
    clock.advance(0.25)
    assert tracker.observe("a", 400) == 0.0  # a quarter second says nothing yet
    clock.advance(0.75)
    assert tracker.observe("a", 900) == pytest.approx(900.0)


def test_a_paused_job_starts_a_fresh_window_when_it_resumes(clock):
    tracker = RateTracker(clock=clock)
    tracker.observe_jobs([Job("a", JobStatus.ACTIVE, 0)])
    clock.advance(2)
    tracker.observe_jobs([Job("a", JobStatus.ACTIVE, 200)])
    assert tracker.observe_jobs([Job("a", JobStatus.PAUSED, 200)]) == {}
    clock.advance(60)
    tracker.observe_jobs([Job("a", JobStatus.ACTIVE, 200)])
    clock.advance(1)
    assert tracker.observe_jobs([Job("a", JobStatus.ACTIVE, 300)])["a"] == pytest.approx(100.0)


@pytest.mark.parametrize(("count", "text"), [(0, "0 jobs"), (1, "1 job"), (2, "2 jobs"), (1200, "1,200 jobs"),
                                             (None, "? jobs")])  # fmt: skip
def test_plural(count, text):
    assert plural(count, "job") == text


@pytest.mark.parametrize(
    ("key", "shown"),
    [("plain/key.txt", "plain/key.txt"), ("a\tb", "a\\tb"), ("line\nbreak", "line\\nbreak"),
     ("bell\x07", "bell\\x07"), ("zero\u200bwidth", "zero\\u200bwidth"), ("trail  ", "trail␠␠"),
     (" lead", " lead"), ("ünïcode ✓", "ünïcode ✓")],
)  # fmt: skip
def test_invisible_characters_are_shown_escaped(key, shown):
    assert escape_invisible(key) == shown
