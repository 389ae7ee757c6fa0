"""PriorityWindow: a counting semaphore that serves the highest-priority waiter first."""

from __future__ import annotations

import threading
import time

from s3batch_tui.core.engine.window import PriorityWindow

DEADLINE = 5.0  # generous: only reached when something is broken


def wait_until(condition) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)


class Waiters:
    """Threads that each wait for a slot, note their name once served, and give it back."""

    def __init__(self, window: PriorityWindow) -> None:
        self.window = window
        self.served: list[str] = []
        self.threads: list[threading.Thread] = []

    def add(self, name: str, priority: int) -> None:
        """Start a waiter and return once it is queued, so the queue order is known."""
        queued = len(self.window._waiting)

        def wait_for_slot() -> None:
            if self.window.acquire(priority, timeout=DEADLINE):
                self.served.append(name)
                self.window.release()

        thread = threading.Thread(target=wait_for_slot, daemon=True)
        self.threads.append(thread)
        thread.start()
        wait_until(lambda: len(self.window._waiting) == queued + 1)

    def join(self) -> list[str]:
        for thread in self.threads:
            thread.join(DEADLINE)
            assert not thread.is_alive()
        return self.served


def test_acquire_and_release_count_slots():
    window = PriorityWindow(2)
    assert window.in_use == 0
    assert window.acquire(0)
    assert window.acquire(0)
    assert window.in_use == 2
    window.release()
    assert window.in_use == 1


def test_acquire_times_out_when_the_window_is_full():
    window = PriorityWindow(1)
    assert window.acquire(0)
    started = time.monotonic()
    assert not window.acquire(0, timeout=0.05)
    assert time.monotonic() - started >= 0.04
    assert window.in_use == 1


def test_a_timed_out_waiter_does_not_block_later_ones():
    window = PriorityWindow(1)
    assert window.acquire(0)
    assert not window.acquire(9, timeout=0.01)  # a high-priority waiter gives up
    window.release()
    assert window.acquire(0, timeout=0)  # a lower one is not stuck behind its ghost
    assert window.in_use == 1


def test_higher_priority_waiter_is_served_first():
    window = PriorityWindow(1)
    assert window.acquire(0)
    waiters = Waiters(window)
    waiters.add("low", 1)
    waiters.add("high", 5)
    waiters.add("middle", 3)
    window.release()
    assert waiters.join() == ["high", "middle", "low"]
    assert window.in_use == 0


def test_equal_priorities_are_served_first_come_first_served():
    window = PriorityWindow(1)
    assert window.acquire(0)
    waiters = Waiters(window)
    for name in ["first", "second", "third"]:
        waiters.add(name, 3)
    waiters.add("urgent", 4)
    window.release()
    assert waiters.join() == ["urgent", "first", "second", "third"]



def test_a_task_can_hold_several_slots():
    """A lean task started without a thread holds what a worker and its queued task hold."""
    window = PriorityWindow(3)
    assert window.acquire(0, timeout=0, slots=2)
    assert not window.acquire(0, timeout=0.01, slots=2)  # one slot left: not enough
    assert window.acquire(0, timeout=0, slots=1) and window.in_use == 3
    window.release(2)
    assert window.in_use == 1 and window.acquire(0, timeout=0, slots=2)
