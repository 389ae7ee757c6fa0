"""The control requests any process leaves for one job, as its runner reads them.

`control.request_control` writes a request (pause, resume, cancel, confirm, release,
expire) into the job's row; the runner reads it here at most every `POLL_SECONDS`
while it dispatches, clears exactly what it read (a request written meanwhile stays
for the next read), and picks up the job's priority in the same read.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from s3batch_tui.core.store import Store

POLL_SECONDS = 0.25


class ControlInbox:
    """One job's requests and priority, read from the store.

    Args:
        store: the job store.
        job_id: the job.
        priority: the priority the job started with.
        write: runs a store write where the runner's writes go (the recorder thread) and waits for it.
    """

    def __init__(self, store: Store, job_id: str, priority: int, write: Callable[[Callable[[], Any]], Any]) -> None:
        self.store = store
        self.job_id = job_id
        self.priority = priority
        self.last: str | None = None
        """The request read last (None if there was none)."""
        self._write = write
        self._next_poll = 0.0

    def take(self) -> str | None:
        """Read the pending request (clearing it) and the priority now."""
        record = self.store.get(self.job_id)
        self.priority = record.priority
        self.last = record.requested
        if record.requested:
            self._write(lambda: self.store.clear_request(self.job_id, record.requested))
        return record.requested

    def due(self, force: bool = False) -> bool:
        """Whether to read now: at most every POLL_SECONDS, unless `force`."""
        now = time.monotonic()
        if not force and now < self._next_poll:
            return False
        self._next_poll = now + POLL_SECONDS
        return True

    def wait(self, give_up: Callable[[], bool]) -> str | None:
        """The next request, polling every POLL_SECONDS; None as soon as `give_up()` says so."""
        while not give_up():
            if request := self.take():
                return request
            time.sleep(POLL_SECONDS)
        return None
