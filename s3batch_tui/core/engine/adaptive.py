"""Adaptive rate: a job slows down when the server says SlowDown, and speeds up again.

AIMD on the job's request rate. Outcomes are counted in one-second windows; a window
in which throttling answers (SlowDown, 503, 429, throttling codes) pass a share of
`CUT_SHARE` halves the rate (from the rate actually achieved when there was no limit
yet). Each calm window after that adds a twentieth of the rate before the first cut,
until the job is back at its ceiling (`MaxOperationsPerSecond`, or no limit). A few
stray throttles in a window of successes are left to the retries, so random faults do
not starve a job.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from s3batch_tui.core.engine.ratelimit import RateLimiter
from s3batch_tui.core.operations.base import TaskOutcome

THROTTLING_CODES = frozenset(
    {"SlowDown", "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException",
     "RequestThrottled", "ProvisionedThroughputExceededException"}
)  # fmt: skip
WINDOW_SECONDS = 1.0
CUT_SHARE = 0.05
MIN_THROTTLES = 3
RECOVERY_STEPS = 20
FLOOR = 1.0


def is_throttling(outcome: TaskOutcome) -> bool:
    """Whether the server asked us to slow down."""
    return not outcome.succeeded and (outcome.http_status in (429, 503) or outcome.error_code in THROTTLING_CODES)


class AdaptiveRate:
    """A job's rate limit that follows the server (see module docstring); thread-safe.

    Args:
        ceiling: `MaxOperationsPerSecond`, or None for no limit.
    """

    def __init__(self, ceiling: float | None, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], object] = time.sleep) -> None:  # fmt: skip
        self.ceiling = ceiling
        self.rate = ceiling
        self.cuts = 0
        self._clock = clock
        self._limiter = RateLimiter(ceiling, clock, sleep) if ceiling else None
        self._sleep = sleep
        self._peak: float | None = None
        self._window_start = clock()
        self._attempts = self._throttled = self._succeeded = 0
        self._lock = threading.Lock()

    @property
    def lowered(self) -> bool:
        """Whether the rate is below its ceiling because of throttling."""
        return self._peak is not None

    def wait(self, max_wait: float = 0.5) -> bool:
        """Take a slot for one request; False when none came within `max_wait` (ask again)."""
        limiter = self._limiter
        return True if limiter is None else limiter.wait(max_wait)

    def observe(self, outcome: TaskOutcome) -> None:
        """Count one attempt's outcome (any worker thread)."""
        with self._lock:
            self._attempts += 1
            self._throttled += is_throttling(outcome)
            self._succeeded += outcome.succeeded
            now = self._clock()
            elapsed = now - self._window_start
            if elapsed >= WINDOW_SECONDS:
                self._close_window(elapsed)
                self._window_start = now
                self._attempts = self._throttled = self._succeeded = 0

    def _close_window(self, elapsed: float) -> None:
        achieved = self._succeeded / elapsed
        if self._throttled >= MIN_THROTTLES and self._throttled >= CUT_SHARE * self._attempts:
            current = self.rate if self.rate is not None else max(achieved, FLOOR)
            self._peak = self._peak or current
            self._set(max(FLOOR, min(current, max(achieved, FLOOR) * 2) / 2))
            self.cuts += 1
        elif self._peak is not None and self._throttled == 0 and self.rate is not None:
            raised = self.rate + self._peak / RECOVERY_STEPS
            if (self.ceiling is None and raised >= self._peak) or (self.ceiling and raised >= self.ceiling):
                self._peak = None
                raised = self.ceiling
            self._set(raised)

    def _set(self, rate: float | None) -> None:
        self.rate = rate
        if rate is None:
            self._limiter = None
        elif self._limiter is None:
            self._limiter = RateLimiter(rate, self._clock, self._sleep)
        else:
            self._limiter.rate = rate

    def describe(self) -> str | None:
        """`"rate lowered to 120/s after SlowDown (ceiling 500/s)"`, or None at full speed."""
        if not self.lowered or self.rate is None:
            return None
        ceiling = f"{self.ceiling:g}/s" if self.ceiling else "none"
        return f"rate lowered to {self.rate:.0f}/s after SlowDown (ceiling {ceiling})"
