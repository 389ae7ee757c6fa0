"""Human-readable numbers shared by the command line and the TUI."""

from __future__ import annotations

import re
import time
import unicodedata
from collections import deque
from dataclasses import dataclass, field

from s3batch_tui.core.status import JobStatus

RATE_WINDOW_SECONDS = 5.0
RATE_MIN_SPAN_SECONDS = 1.0
"""A rate over less time than this is noise (two polls a quarter second apart): shown as unknown."""


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


def plural(count: int | None, noun: str, nouns: str | None = None) -> str:
    """`1 task`, `2 tasks`, `1,200 tasks` (`nouns` for irregular plurals); None → `? tasks`."""
    word = noun if count == 1 else (nouns or noun + "s")
    return f"{format_count(count)} {word}"


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
    """Tasks per second per job, from successive snapshots of its done count.

    Observe a job only while its tasks run (Active) and `forget` it otherwise: samples from
    before it started (Preparing, Ready) would drag the rate down and the ETA out.
    """

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
        return (done - first_done) / (now - first_time) if now - first_time >= RATE_MIN_SPAN_SECONDS else 0.0

    def observe_jobs(self, jobs) -> dict[str, float]:
        """Rates of the Active jobs among `jobs` (JobRecords); every other job's samples are dropped."""
        rates = {}
        for job in jobs:
            if job.status == JobStatus.ACTIVE:
                rates[job.id] = self.observe(job.id, job.succeeded + job.failed)
            else:
                self.forget(job.id)
        return rates

    def forget(self, job_id: str) -> None:
        """Drop a job's samples (it stopped running)."""
        self._samples.pop(job_id, None)


def eta_seconds(total: int | None, done: int, rate: float) -> float | None:
    """Seconds left at `rate`, or None when unknown."""
    if total is None or rate <= 0:
        return None
    return max(total - done, 0) / rate


_NAMED_ESCAPES = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}
TRAILING_SPACE = "␠"


def _escape_char(char: str) -> str:
    if char in _NAMED_ESCAPES:
        return _NAMED_ESCAPES[char]
    if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp"):  # controls, invisible format marks, separators
        code = ord(char)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    return char


_INVISIBLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\ufeff]")


def escape_invisible(text: str) -> str:
    """Keys as a user can read them: `a\tb` for a tab, `\x07` for a control, `␠` for each trailing space."""
    shown = _INVISIBLE.sub(lambda match: _escape_char(match.group()), text)
    stripped = shown.rstrip(" ")
    return stripped + TRAILING_SPACE * (len(shown) - len(stripped))
