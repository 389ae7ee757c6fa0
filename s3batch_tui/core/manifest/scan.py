"""The shared shape of the streaming readers: entries, validate, and scan (many errors).

A reader implements one generator, `_items`, that yields each entry, a batch of
many good entries (an `EntryBatch`, counted without being built), or the
ManifestError of a bad row, and raises for what cannot be read past (a missing file,
an ETag mismatch, corrupt gzip). On top of it:

- `entries()` raises the first error (what the engine runs on);
- `validate()` reads everything once and raises the first error (Preparing);
- `scan(max_errors)` reads everything once and returns the task count with up to
  `max_errors` errors, skipping bad rows (what `manifest validate` prints).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from s3batch_tui.core.errors import ManifestError
from s3batch_tui.core.manifest.entry import ManifestEntry, ManifestIdentity, ManifestSummary


STOP_CHECK_ROWS = 5_000


class ScanStopped(Exception):
    """A scan was asked to stop before the end (the job is pausing or being cancelled)."""


@dataclass(frozen=True)
class EntryBatch:
    """Consecutive good rows: counted as they are, built into entries only when iterated.

    Attributes:
        count: how many entries (tasks) the batch holds.
        build: makes the entries, in order.
    """

    count: int
    build: Callable[[], Iterator[ManifestEntry]]


Item = ManifestEntry | EntryBatch | ManifestError


@dataclass
class ReadState:
    """What one read learns besides the entries (filled in by `_items` as it goes).

    Attributes:
        identity: the manifest's identity, set once the manifest has been opened.
        skipped_delete_markers: inventory rows skipped as delete markers.
    """

    identity: ManifestIdentity | None = None
    skipped_delete_markers: int = 0


@dataclass(frozen=True)
class ManifestScan:
    """The result of `scan()`: the good rows counted, and the first errors found.

    Attributes:
        total_tasks: rows that are valid tasks (bad rows are not counted).
        errors: up to `max_errors` errors, in file order.
        identity: the manifest's identity (None when it could not be opened).
        skipped_delete_markers: inventory delete-marker rows skipped.
        complete: whether the whole manifest was read (False when the scan stopped
            at `max_errors` or at an error that cannot be read past).
    """

    total_tasks: int
    errors: list[ManifestError] = field(default_factory=list)
    identity: ManifestIdentity | None = None
    skipped_delete_markers: int = 0
    complete: bool = True

    @property
    def ok(self) -> bool:
        """Whether the manifest is valid."""
        return not self.errors

    def summary(self) -> ManifestSummary:
        """The ManifestSummary of a valid manifest."""
        if self.errors or self.identity is None:
            raise ValueError("a manifest with errors has no summary")
        return ManifestSummary(self.total_tasks, self.identity, self.skipped_delete_markers)


class StreamingSource(ABC):
    """Base of the manifest readers (implements the `ManifestSource` protocol, plus `scan`)."""

    def entries(self, start: Any = None, start_ordinal: int = 0) -> Iterator[ManifestEntry]:
        """Yield entries in order; with an entry's `position` and `ordinal`, resume there.

        Raises:
            ManifestError: the first bad row, or a manifest that cannot be read.
        """
        for item in self._items(start, start_ordinal, ReadState()):
            if isinstance(item, ManifestEntry):
                yield item
            elif isinstance(item, EntryBatch):
                yield from item.build()
            else:
                raise item

    def validate(self, should_stop: Callable[[], bool] | None = None) -> ManifestSummary:
        """Read everything once, check every row, count tasks and record the identity.

        Raises:
            ManifestError: the first problem found.
            ScanStopped: `should_stop()` said so (asked every few thousand rows).
        """
        result = self.scan(max_errors=1, should_stop=should_stop)
        if result.errors:
            raise result.errors[0]
        return result.summary()

    def scan(self, max_errors: int = 20, should_stop: Callable[[], bool] | None = None) -> ManifestScan:
        """Read everything once, collecting up to `max_errors` errors instead of raising.

        Bad rows are reported and skipped, so one pass shows many problems at once.
        `should_stop` is asked every `STOP_CHECK_ROWS` rows; True raises ScanStopped.
        """
        if max_errors < 1:
            raise ValueError("max_errors must be at least 1")
        state = ReadState()
        errors: list[ManifestError] = []
        total = 0
        next_stop_check = STOP_CHECK_ROWS
        complete = True
        try:
            for item in self._items(None, 0, state):
                if isinstance(item, ManifestError):
                    errors.append(item)
                    if len(errors) >= max_errors:
                        complete = False
                        break
                    continue
                total += item.count if isinstance(item, EntryBatch) else 1
                if should_stop is not None and total >= next_stop_check:
                    next_stop_check = total + STOP_CHECK_ROWS
                    if should_stop():
                        raise ScanStopped(f"stopped after {total:,} rows")
        except ManifestError as exc:
            errors.append(exc)
            complete = False
        return ManifestScan(total, errors, state.identity, state.skipped_delete_markers, complete)

    @abstractmethod
    def _items(self, start: Any, start_ordinal: int, state: ReadState) -> Iterator[Item]:
        """Yield entries, batches of entries and row errors in file order; raise what cannot be read past."""
