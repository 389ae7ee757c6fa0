"""The bounded in-flight window shared by all jobs, handing free slots out by priority."""

from __future__ import annotations

import itertools
import threading


SLOTS_PER_WORKER = 16
"""The window holds this many slots per worker thread; a task takes a share of them."""

THREAD_TASK_SLOTS = SLOTS_PER_WORKER // 2
"""What a task run on a worker thread holds: two per worker (the one running and one
queued, so no worker idles between dispatches)."""

STARTED_TASK_SLOTS = 1
"""What a task started without a thread holds (the lean path: awscrt sends it and answers
on its own event-loop thread): sixteen per worker are in flight, 256 with the default 16
workers, as many as s5cmd's default. More requests in flight let the server batch its
work; on 2 shared cores tagging went from 1,169 to 1,416 tasks/s (bench_tagging, 6
interleaved rounds). Such a task retried on a worker thread holds THREAD_TASK_SLOTS then
(dispatch.py)."""


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
