"""Per-job rate limit: a token bucket in operations per second."""

from __future__ import annotations

import threading
import time


class RateLimiter:
    """Lets `rate` operations per second through, with bursts of at most one second's worth."""

    def __init__(self, rate: float, clock=time.monotonic, sleep=time.sleep) -> None:
        self.rate = rate
        self._clock = clock
        self._sleep = sleep
        self._tokens = min(rate, 1.0)
        self._last = clock()
        self._lock = threading.Lock()

    def wait(self, max_wait: float = 0.5) -> bool:
        """Take one token, sleeping up to `max_wait`; False if none came in time (ask again)."""
        with self._lock:
            now = self._clock()
            self._tokens = min(max(self.rate, 1.0), self._tokens + (now - self._last) * self.rate)
            self._last = now
            if self._tokens >= 1:
                self._tokens -= 1
                return True
            needed = (1 - self._tokens) / self.rate
        self._sleep(min(needed, max_wait))
        return False
