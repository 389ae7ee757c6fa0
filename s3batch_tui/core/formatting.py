"""Human-readable numbers shared by the command line and the TUI."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field

RATE_WINDOW_SECONDS = 5.0


def format_duration(seconds: float | None) -> str:
    """`93` → `1m33s`; None → `?`."""
    if seconds is None:
        return "?"
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def format_count(value: int | None) -> str:
    """`12345` → `12,345`; None → `?`."""
    return "?" if value is None else f"{value:,}"


def format_compact(value: int | None) -> str:
    """`950` → `950`, `48210` → `48.2k`, `1200000` → `1.2M`; None → `?` (for narrow columns)."""
    if value is None:
        return "?"
    if value < 10_000:
        return f"{value:,}"
    if value < 1_000_000:
        return f"{value / 1000:.1f}k".replace(".0k", "k")
    return f"{value / 1_000_000:.1f}M".replace(".0M", "M")


@dataclass
class RateTracker:
    """Tasks per second per job, from successive snapshots of its done count."""

    clock: object = time.monotonic
    _samples: dict[str, deque[tuple[float, int]]] = field(default_factory=dict)

    def observe(self, job_id: str, done: int) -> float:
        """Record the job's done count now; returns its rate over the last few seconds."""
        now = self.clock()
        samples = self._samples.setdefault(job_id, deque())
        if samples and done < samples[-1][1]:
            samples.clear()  # a resumed job may restart below an uncommitted count
        samples.append((now, done))
        while len(samples) > 2 and now - samples[0][0] > RATE_WINDOW_SECONDS:
            samples.popleft()
        first_time, first_done = samples[0]
        return (done - first_done) / (now - first_time) if now > first_time else 0.0

    def forget(self, job_id: str) -> None:
        """Drop a job's samples (it stopped running)."""
        self._samples.pop(job_id, None)


def eta_seconds(total: int | None, done: int, rate: float) -> float | None:
    """Seconds left at `rate`, or None when unknown."""
    if total is None or rate <= 0:
        return None
    return max(total - done, 0) / rate
