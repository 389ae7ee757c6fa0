"""The progress line on stderr: redrawn in place on a terminal, a line every few seconds otherwise."""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

from s3batch_tui.core.formatting import format_duration
from s3batch_tui.core.engine.events import EngineEvent, JobProgressed, JobStatusChanged

TTY_REDRAW_SECONDS = 0.1
LOG_LINE_SECONDS = 5.0


def format_progress(event: JobProgressed, final: bool = False) -> str:
    """`[1a2b3c4d] 1,234/5,000 done, 3 failed, 812/s, ETA 4s`; the `final` line: `... in 6s`."""
    done = event.succeeded + event.failed
    total = "?" if event.total is None else f"{event.total:,}"
    counts = f"[{event.job_id[:8]}] {done:,}/{total} done, {event.failed:,} failed"
    if final:  # the rate window has drained by now: an average over the active time means more
        average = f", {done / event.active_seconds:,.0f}/s on average" if event.active_seconds >= 1 else ""
        return f"{counts} in {format_duration(event.active_seconds)}{average}"
    return f"{counts}, {event.rate:,.0f}/s, ETA {format_duration(event.eta_seconds)}"


class ProgressPrinter:
    """An engine listener that keeps the user informed on stderr."""

    def __init__(self, stream: TextIO | None = None, clock=time.monotonic) -> None:
        self.stream = stream or sys.stderr
        self.is_tty = self.stream.isatty()
        self.clock = clock
        self._last_draw = float("-inf")
        self._line_open = False
        self._latest: JobProgressed | None = None
        self._lock = threading.Lock()

    def __call__(self, event: EngineEvent) -> None:
        with self._lock:
            if isinstance(event, JobProgressed):
                self._latest = event
                interval = TTY_REDRAW_SECONDS if self.is_tty else LOG_LINE_SECONDS
                if self.clock() - self._last_draw >= interval:
                    self._draw(format_progress(event))
            elif isinstance(event, JobStatusChanged):
                reason = f" ({event.reason})" if event.reason else ""
                self._print(f"[{event.job_id[:8]}] {event.new}{reason}")

    def finish(self) -> None:
        """Print the last progress once more, so the final counts are on screen."""
        with self._lock:
            if self._latest is not None:
                self._draw(format_progress(self._latest, final=True))
            if self._line_open:
                self.stream.write("\n")
                self._line_open = False
            self.stream.flush()

    def _draw(self, text: str) -> None:
        self._last_draw = self.clock()
        if self.is_tty:
            self.stream.write(f"\r\x1b[2K{text}")
            self._line_open = True
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def _print(self, text: str) -> None:
        if self._line_open:
            self.stream.write("\r\x1b[2K")
            self._line_open = False
        self.stream.write(text + "\n")
        self.stream.flush()
        self._last_draw = float("-inf")  # redraw the progress line right away
