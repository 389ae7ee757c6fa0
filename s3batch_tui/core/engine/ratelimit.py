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

    def take(self) -> float:
        """Take one token if there is one: 0.0; otherwise the seconds until one comes (nothing taken)."""
        with self._lock:
            now = self._clock()
            self._tokens = min(max(self.rate, 1.0), self._tokens + (now - self._last) * self.rate)
            self._last = now
            if self._tokens >= 1:
                self._tokens -= 1
                return 0.0
            return (1 - self._tokens) / self.rate

    def wait(self, max_wait: float = 0.5) -> bool:
        """Take one token, sleeping up to `max_wait`; False if none came in time (ask again)."""
        needed = self.take()
        if not needed:
            return True
        self._sleep(min(needed, max_wait))
        return False
