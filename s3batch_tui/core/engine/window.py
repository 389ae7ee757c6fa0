"""The bounded in-flight window shared by all jobs, handing free slots out by priority."""

from __future__ import annotations

import itertools
import threading


WINDOW_PER_WORKER = 2
"""Slots per worker thread: its running task and one queued, so no worker idles between dispatches.

A task started without a thread (the lean path) holds this many slots, what a worker
and its queued task hold: at most `workers` such requests are in flight.
"""


class PriorityWindow:
    """A counting semaphore whose waiters are served highest priority first (FIFO on ties).

    Every running job's dispatcher asks for a slot before submitting a task to the shared
    pool, so a higher-priority job takes the pool as soon as slots free up.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._free = size
        self._cond = threading.Condition()
        self._waiting: dict[int, int] = {}  # ticket -> priority
        self._tickets = itertools.count()

    def acquire(self, priority: int, timeout: float | None = None, slots: int = 1) -> bool:
        """Take `slots` slots at once; False if `timeout` passed first."""
        with self._cond:
            ticket = next(self._tickets)
            self._waiting[ticket] = priority
            try:
                return self._cond.wait_for(lambda: self._free >= slots and self._is_first(ticket), timeout) and (
                    self._take(slots))  # fmt: skip
            finally:
                del self._waiting[ticket]
                self._cond.notify_all()

    def _is_first(self, ticket: int) -> bool:
        mine = self._waiting[ticket]
        return all(p < mine or (p == mine and t >= ticket) for t, p in self._waiting.items())

    def _take(self, slots: int) -> bool:
        self._free -= slots
        return True

    def release(self, slots: int = 1) -> None:
        """Give `slots` slots back."""
        with self._cond:
            self._free += slots
            self._cond.notify_all()

    @property
    def in_use(self) -> int:
        """Slots currently taken."""
        return self.size - self._free
