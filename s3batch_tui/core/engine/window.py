"""The bounded in-flight window shared by all jobs, handing free slots out by priority."""

from __future__ import annotations

import itertools
import threading


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

    def acquire(self, priority: int, timeout: float | None = None) -> bool:
        """Take one slot; False if `timeout` passed first."""
        with self._cond:
            ticket = next(self._tickets)
            self._waiting[ticket] = priority
            try:
                return self._cond.wait_for(lambda: self._free > 0 and self._is_first(ticket), timeout) and self._take()
            finally:
                del self._waiting[ticket]
                self._cond.notify_all()

    def _is_first(self, ticket: int) -> bool:
        mine = self._waiting[ticket]
        return all(p < mine or (p == mine and t >= ticket) for t, p in self._waiting.items())

    def _take(self) -> bool:
        self._free -= 1
        return True

    def release(self) -> None:
        """Give one slot back."""
        with self._cond:
            self._free += 1
            self._cond.notify_all()

    @property
    def in_use(self) -> int:
        """Slots currently taken."""
        return self.size - self._free
