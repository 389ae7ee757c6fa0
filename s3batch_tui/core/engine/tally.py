"""Per-job progress as outcomes are folded in: counters, watermark, failures to commit."""

from __future__ import annotations

import time
from collections import deque
from typing import Any

from s3batch_tui.core.manifest.entry import ManifestEntry
from s3batch_tui.core.operations.base import TaskOutcome
from s3batch_tui.core.spec import FailureThreshold
from s3batch_tui.core.store import Checkpoint, FailureRow

RATE_WINDOW_SECONDS = 5.0


class Tally:
    """Counters and the resume watermark of one job. Only the recorder thread mutates it.

    The watermark W means "every ordinal below W is done"; done ordinals above W wait
    in `done_above` (bounded by the in-flight window) until the gap below them closes.
    """

    def __init__(self, point: Checkpoint, clock=time.monotonic) -> None:
        self.clock = clock
        self.succeeded = point.succeeded
        self.failed = point.failed
        self.watermark = point.watermark
        self.done_above: dict[int, Any] = dict.fromkeys(point.done_above)
        self.resume_point = point.resume_point
        self.pending_failures: list[FailureRow] = []
        self.since_checkpoint = 0
        self._active_base = point.active_seconds
        self._active_since: float | None = None
        self._samples: deque[tuple[float, int]] = deque()

    @property
    def done(self) -> int:
        """Tasks that ran to an outcome."""
        return self.succeeded + self.failed

    def is_done(self, ordinal: int) -> bool:
        """Whether the task at `ordinal` already has its outcome (skip it on resume)."""
        return ordinal < self.watermark or ordinal in self.done_above

    def fold(self, entry: ManifestEntry, outcome: TaskOutcome) -> FailureRow | None:
        """Count one outcome and advance the watermark; returns the failure row, if any."""
        failure = None
        if outcome.succeeded:
            self.succeeded += 1
        else:
            self.failed += 1
            failure = FailureRow(
                entry.ordinal, entry.bucket, entry.raw_key, entry.version_id,
                outcome.http_status, outcome.error_code, outcome.message,
            )  # fmt: skip
            self.pending_failures.append(failure)
        self.done_above[entry.ordinal] = entry.position
        while self.watermark in self.done_above:
            position = self.done_above.pop(self.watermark)
            if position is not None:
                self.resume_point = (self.watermark, position)
            self.watermark += 1
        self.since_checkpoint += 1
        return failure

    # --- time and rate ----------------------------------------------------------------

    def start_active(self) -> None:
        """The job went Active: its active-time timer runs."""
        if self._active_since is None:
            self._active_since = self.clock()

    def stop_active(self) -> None:
        """The job left Active."""
        if self._active_since is not None:
            self._active_base += self.clock() - self._active_since
            self._active_since = None

    @property
    def active_seconds(self) -> float:
        """`Timers.ElapsedTimeInActiveSeconds`."""
        running = self.clock() - self._active_since if self._active_since is not None else 0.0
        return self._active_base + running

    def rate(self) -> float:
        """Tasks per second over the last few seconds."""
        now = self.clock()
        self._samples.append((now, self.done))
        while len(self._samples) > 2 and now - self._samples[0][0] > RATE_WINDOW_SECONDS:
            self._samples.popleft()
        first_time, first_done = self._samples[0]
        return (self.done - first_done) / (now - first_time) if now > first_time else 0.0

    # --- checkpoints and threshold ----------------------------------------------------

    def checkpoint(self, staging_lengths: dict[str, int]) -> Checkpoint:
        """The state to commit now; pending failures go with it (see `take_failures`)."""
        return Checkpoint(
            self.succeeded, self.failed, self.active_seconds, self.watermark,
            sorted(self.done_above), self.resume_point, staging_lengths,
        )  # fmt: skip

    def take_failures(self) -> list[FailureRow]:
        """Failures since the last checkpoint (the caller commits them with it)."""
        failures, self.pending_failures = self.pending_failures, []
        self.since_checkpoint = 0
        return failures

    def threshold_exceeded(self, threshold: FailureThreshold) -> str | None:
        """The failure reason once too many tasks failed, else None (SPEC.md section 4)."""
        ran = self.done
        if ran < threshold.min_tasks or self.failed * 100 <= threshold.max_failed_percent * ran:
            return None
        return (
            f"{self.failed} of {ran} tasks failed, more than the {threshold.max_failed_percent:g}% allowed "
            f"once {threshold.min_tasks} tasks have run"
        )
