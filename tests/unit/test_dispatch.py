"""TaskDispatch: a lean task that goes on to the pool holds a threaded task's share of the window.

Real window, real thread pool and retry policy; the job run around the dispatch is the
least it needs (an engine with pool, window and a recorder that counts outcomes).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest

from s3batch_tui.core.engine.dispatch import TaskDispatch
from s3batch_tui.core.engine.retry import RetryPolicy
from s3batch_tui.core.engine.window import STARTED_TASK_SLOTS, THREAD_TASK_SLOTS, PriorityWindow
from s3batch_tui.core.manifest.entry import ManifestEntry
from s3batch_tui.core.operations.base import SUCCESS, TaskOutcome

SLOW_DOWN = TaskOutcome(False, 503, "SlowDown", "Please reduce your request rate.", retryable=True)


class LeanOperation:
    """Its first attempt (started without a thread) answers `first`; `run` (a retry) waits for `go`."""

    def __init__(self, first: TaskOutcome | None) -> None:
        self.first = first
        self.go = threading.Event()
        self.running = threading.Event()

    def start(self, entry, done) -> None:
        done(self.first)

    def run(self, entry) -> TaskOutcome:
        self.running.set()
        assert self.go.wait(10)
        return SUCCESS


@pytest.fixture
def dispatch():
    recorded = []
    window = PriorityWindow(2 * 16)  # two workers' worth
    with ThreadPoolExecutor(2) as pool:
        engine = SimpleNamespace(pool=pool, window=window, recorder=None)
        run = SimpleNamespace(engine=engine, feed=None, health=SimpleNamespace(hand_back=lambda *_: False))
        dispatch = TaskDispatch(run, stopping=lambda: False)

        def record(_run, entry, outcome):
            recorded.append((entry.ordinal, outcome))
            dispatch.finished()

        engine.recorder = SimpleNamespace(record=record)
        dispatch.recorded = recorded
        yield dispatch


def take(dispatch, slots: int) -> bool:
    return dispatch.engine.window.acquire(0, 1.0, slots)


def send_lean_task(dispatch, operation, ordinal: int = 0) -> None:
    """What the job's loop does for a lean task: a slot, counted in flight, started."""
    assert take(dispatch, STARTED_TASK_SLOTS)
    dispatch.sent(1)
    dispatch.start(operation, RetryPolicy(base_delay=0.0), ManifestEntry(ordinal, "b", f"k{ordinal}", None, f"k{ordinal}"))


@pytest.mark.parametrize("first", [SLOW_DOWN, None], ids=["retry-after-503", "blocking-way"])
def test_a_lean_task_going_on_to_the_pool_waits_holding_nothing_then_holds_a_threaded_share(dispatch, first):
    operation = LeanOperation(first)
    send_lean_task(dispatch, operation)
    window = dispatch.engine.window
    assert dispatch.waiting_for_pool and not dispatch.idle and window.in_use == 0
    assert dispatch.send_to_pool(lambda slots: take(dispatch, slots))
    assert operation.running.wait(5)
    assert window.in_use == THREAD_TASK_SLOTS  # a thread's share while it holds a pool thread
    operation.go.set()
    dispatch.wait_idle(lambda slots: take(dispatch, slots), 0.05)
    assert dispatch.recorded == [(0, SUCCESS)] and window.in_use == 0


def test_waiting_for_the_slots_gives_up_when_told_and_keeps_the_task(dispatch):
    window = dispatch.engine.window
    assert take(dispatch, window.size - STARTED_TASK_SLOTS)  # other jobs hold all but one slot
    operation = LeanOperation(SLOW_DOWN)
    operation.go.set()
    send_lean_task(dispatch, operation)
    assert not dispatch.send_to_pool(lambda slots: window.acquire(0, 0.05, slots))
    assert dispatch.waiting_for_pool and not dispatch.idle and dispatch.recorded == []
    window.release(window.size - STARTED_TASK_SLOTS)
    dispatch.wait_idle(lambda slots: take(dispatch, slots), 0.05)
    assert dispatch.recorded == [(0, SUCCESS)]


def test_draining_sends_the_waiting_tasks_and_returns_once_every_outcome_is_recorded(dispatch):
    operations = [LeanOperation(SLOW_DOWN) for _ in range(6)]
    for operation in operations:
        operation.go.set()
    for ordinal, operation in enumerate(operations):
        send_lean_task(dispatch, operation, ordinal)
    dispatch.wait_idle(lambda slots: take(dispatch, slots), 0.05)
    assert sorted(ordinal for ordinal, _ in dispatch.recorded) == list(range(6))
    assert dispatch.idle and dispatch.engine.window.in_use == 0
