"""What a job dispatches next: tasks handed back during an outage first, then the manifest's."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator

from s3batch_tui.core.manifest.entry import ManifestEntry


class Feed:
    """Batches of entries to dispatch, in manifest order, with handed-back tasks first.

    A task that failed because the endpoint was down is handed back (`give_back`) and
    dispatched again, so it is neither failed nor counted. Once the manifest runs out,
    the feed keeps going while tasks are in flight, since any of them may come back;
    meanwhile it yields None so the caller can look at its controls and wait a moment.

    Args:
        entries: the manifest's entries from the resume point.
        is_done: whether an ordinal already has its outcome (skipped).
        batch_size: entries per call (1, or the batch size of a batch operation).
        idle: True when no task of the job is in flight.
    """

    def __init__(self, entries: Iterable[ManifestEntry], is_done: Callable[[int], bool], batch_size: int,
                 idle: Callable[[], bool]) -> None:  # fmt: skip
        self._entries = entries
        self._is_done = is_done
        self._size = batch_size
        self._idle = idle
        self._back: deque[ManifestEntry] = deque()
        self._lock = threading.Lock()
        self.handed_back = 0

    def give_back(self, entries: Iterable[ManifestEntry]) -> None:
        """Dispatch these again later (worker threads; call before the task counts as finished)."""
        with self._lock:
            before = len(self._back)
            self._back.extend(entries)
            self.handed_back += len(self._back) - before

    def _taken_back(self) -> Iterator[list[ManifestEntry]]:
        while True:
            with self._lock:
                batch = [self._back.popleft() for _ in range(min(self._size, len(self._back)))]
            if not batch:
                return
            yield batch

    def __iter__(self) -> Iterator[list[ManifestEntry] | None]:
        batch: list[ManifestEntry] = []
        for entry in self._entries:
            yield from self._taken_back()
            if self._is_done(entry.ordinal):
                continue
            batch.append(entry)
            if len(batch) == self._size:
                yield batch
                batch = []
        if batch:
            yield batch
        while True:
            yield from self._taken_back()
            if self._idle():
                with self._lock:
                    if not self._back:
                        return
            else:
                yield None
