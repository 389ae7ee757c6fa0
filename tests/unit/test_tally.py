"""Tally: counters, the resume watermark, active time, rate and the failure threshold."""

from __future__ import annotations

import pytest

from s3batch_tui.core.engine.tally import RATE_WINDOW_SECONDS, Tally
from s3batch_tui.core.manifest.entry import ManifestEntry
from s3batch_tui.core.operations.base import SUCCESS, TaskOutcome
from s3batch_tui.core.spec import FailureThreshold
from s3batch_tui.core.store import Checkpoint, FailureRow

DENIED = TaskOutcome(False, 403, "AccessDenied", "Access Denied")
START = Checkpoint(0, 0, 0.0, 0, [], None, {})


def entry(ordinal: int, position=None) -> ManifestEntry:
    return ManifestEntry(ordinal, "bucket", f"key {ordinal}", None, f"key%20{ordinal}", position)


def tally_with(succeeded: int, failed: int) -> Tally:
    return Tally(Checkpoint(succeeded, failed, 0.0, succeeded + failed, [], None, {}))


def fold_all(tally: Tally, ordinals, outcome=SUCCESS) -> None:
    for ordinal in ordinals:
        tally.fold(entry(ordinal), outcome)


# --- counters and failures --------------------------------------------------------------


def test_fold_counts_successes_and_failures():
    tally = Tally(START)
    assert tally.fold(entry(0), SUCCESS) is None
    failure = tally.fold(entry(1), DENIED)
    tally.fold(entry(2), SUCCESS)
    assert (tally.succeeded, tally.failed, tally.done) == (2, 1, 3)
    assert failure == FailureRow(1, "bucket", "key%201", None, 403, "AccessDenied", "Access Denied")
    assert tally.pending_failures == [failure]
    assert tally.since_checkpoint == 3


def test_take_failures_hands_them_over_once():
    tally = Tally(START)
    tally.fold(entry(0), DENIED)
    tally.fold(entry(1), DENIED)
    assert [f.ordinal for f in tally.take_failures()] == [0, 1]
    assert tally.take_failures() == []
    assert tally.since_checkpoint == 0


def test_counters_continue_from_the_checkpoint():
    tally = Tally(Checkpoint(10, 4, 0.0, 14, [], None, {}))
    tally.fold(entry(14), SUCCESS)
    tally.fold(entry(15), DENIED)
    assert (tally.succeeded, tally.failed, tally.watermark) == (11, 5, 16)


# --- watermark --------------------------------------------------------------------------


def test_watermark_advances_over_a_contiguous_run():
    tally = Tally(START)
    fold_all(tally, [0, 1, 2])
    assert tally.watermark == 3
    assert tally.done_above == {}


def test_out_of_order_completions_wait_above_the_watermark():
    tally = Tally(START)
    fold_all(tally, [0, 2, 4])
    assert tally.watermark == 1
    assert sorted(tally.done_above) == [2, 4]
    tally.fold(entry(1), SUCCESS)
    assert tally.watermark == 3
    assert sorted(tally.done_above) == [4]
    tally.fold(entry(3), DENIED)
    assert tally.watermark == 5
    assert tally.done_above == {}


def test_watermark_stays_until_the_first_gap_closes():
    tally = Tally(START)
    fold_all(tally, [3, 2, 1])
    assert tally.watermark == 0
    tally.fold(entry(0), SUCCESS)
    assert tally.watermark == 4


def test_is_done_covers_the_watermark_and_the_done_set():
    tally = Tally(Checkpoint(3, 0, 0.0, 2, [5], None, {}))
    assert [o for o in range(8) if tally.is_done(o)] == [0, 1, 5]
    tally.fold(entry(3), SUCCESS)
    assert [o for o in range(8) if tally.is_done(o)] == [0, 1, 3, 5]


def test_done_set_from_the_checkpoint_closes_with_the_gap():
    tally = Tally(Checkpoint(3, 0, 0.0, 2, [3, 4], None, {}))
    tally.fold(entry(2), SUCCESS)
    assert tally.watermark == 5
    assert tally.done_above == {}


# --- resume point -----------------------------------------------------------------------


def test_resume_point_is_the_last_entry_below_the_watermark_with_a_position():
    tally = Tally(START)
    tally.fold(entry(0, position=[1, 0]), SUCCESS)
    assert tally.resume_point == (0, [1, 0])
    tally.fold(entry(2, position=[2, 17]), SUCCESS)
    assert tally.resume_point == (0, [1, 0])  # 2 is above the watermark: not yet safe
    tally.fold(entry(1, position=None), SUCCESS)
    assert tally.watermark == 3
    assert tally.resume_point == (2, [2, 17])


def test_entries_without_a_position_keep_the_previous_resume_point():
    tally = Tally(Checkpoint(5, 0, 0.0, 5, [], (4, 4096), {}))
    fold_all(tally, [5, 6])
    assert tally.resume_point == (4, 4096)


def test_without_positions_there_is_no_resume_point():
    tally = Tally(START)
    fold_all(tally, [0, 1, 2])
    assert tally.resume_point is None


# --- checkpoint -------------------------------------------------------------------------


def test_checkpoint_captures_the_state_with_a_sorted_done_set(clock):
    tally = Tally(START, clock=clock)
    tally.start_active()
    tally.fold(entry(0, position=7), SUCCESS)
    tally.fold(entry(4), DENIED)
    tally.fold(entry(2), SUCCESS)
    clock.advance(3)
    assert tally.checkpoint({"results.csv": 99}) == Checkpoint(2, 1, 3.0, 1, [2, 4], (0, 7), {"results.csv": 99})


def test_checkpoint_round_trips_through_a_new_tally():
    point = Checkpoint(8, 2, 42.5, 9, [11, 13], (8, [2, 17]), {"results.csv": 10})
    assert Tally(point).checkpoint({"results.csv": 10}) == point


# --- failure threshold ------------------------------------------------------------------

SMALL = FailureThreshold(min_tasks=10, max_failed_percent=50)


def test_nothing_is_exceeded_below_min_tasks_even_if_all_failed():
    assert tally_with(0, 9).threshold_exceeded(SMALL) is None
    assert tally_with(0, 999).threshold_exceeded(FailureThreshold()) is None


def test_exactly_the_allowed_percentage_is_not_exceeded():
    assert tally_with(5, 5).threshold_exceeded(SMALL) is None
    assert tally_with(500, 500).threshold_exceeded(FailureThreshold()) is None


def test_just_over_the_allowed_percentage_is_exceeded():
    assert tally_with(499, 501).threshold_exceeded(FailureThreshold()) is not None
    assert tally_with(4, 6).threshold_exceeded(SMALL) is not None


def test_threshold_counts_folded_tasks():
    tally = Tally(START)
    fold_all(tally, range(9), DENIED)
    assert tally.threshold_exceeded(SMALL) is None
    tally.fold(entry(9), DENIED)
    assert tally.threshold_exceeded(SMALL) is not None


def test_threshold_message_names_counts_and_limits():
    message = tally_with(499, 501).threshold_exceeded(FailureThreshold())
    assert message == "501 of 1000 tasks failed, more than the 50% allowed once 1000 tasks have run"


def test_zero_percent_threshold_fails_on_the_first_failure():
    strict = FailureThreshold(min_tasks=1, max_failed_percent=0)
    assert tally_with(3, 0).threshold_exceeded(strict) is None
    assert tally_with(3, 1).threshold_exceeded(strict) is not None


# --- active time ------------------------------------------------------------------------


def test_active_seconds_count_only_while_active(clock):
    tally = Tally(Checkpoint(0, 0, 10.0, 0, [], None, {}), clock=clock)
    assert tally.active_seconds == 10.0
    clock.advance(50)
    assert tally.active_seconds == 10.0
    tally.start_active()
    clock.advance(3)
    assert tally.active_seconds == 13.0
    tally.start_active()  # already active: the timer keeps its start
    clock.advance(2)
    tally.stop_active()
    assert tally.active_seconds == 15.0
    clock.advance(100)
    tally.stop_active()  # already stopped: nothing changes
    assert tally.active_seconds == 15.0
    tally.start_active()
    clock.advance(1)
    assert tally.active_seconds == 16.0


# --- rate -------------------------------------------------------------------------------


def test_rate_is_zero_before_time_passes(clock):
    tally = Tally(START, clock=clock)
    assert tally.rate() == 0.0
    fold_all(tally, range(5))
    assert tally.rate() == 0.0


def test_rate_is_tasks_per_second(clock):
    tally = Tally(START, clock=clock)
    tally.rate()
    clock.advance(2)
    fold_all(tally, range(30))
    assert tally.rate() == pytest.approx(15.0)


def test_rate_follows_the_recent_window(clock):
    tally = Tally(START, clock=clock)
    ordinals = iter(range(10_000))
    for per_second in [10] * 10 + [50] * 10:
        tally.rate()
        clock.advance(1)
        fold_all(tally, (next(ordinals) for _ in range(per_second)))
    assert RATE_WINDOW_SECONDS < 10
    assert tally.rate() == pytest.approx(50.0)
