"""The outage breaker: a job stops dispatching while its endpoint is down.

Every attempt's outcome (tasks and non-task calls alike) is observed. A run of
`trip_after` endpoint faults in a row across all workers, with no answer in between,
opens the breaker: connection errors, resets, timeouts and 5xx other than throttling
(which the adaptive rate handles). Random faults rarely line up like that (at 10 %
faults, eight in a row is about one in a hundred million); an outage does at once.

While open, the job run dispatches nothing and probes the endpoint with growing
back-off; tasks that failed because of the outage go back to be dispatched again, so
they are neither failed nor counted. Any HTTP answer to a probe, even 403 or 404,
means the endpoint is back. An outage longer than the budget pauses the job; an
endpoint that never answered this run (a wrong URL, a server not started) gets
`NEVER_ANSWERED_BUDGET` seconds at most, so the job pauses naming the error quickly.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from s3batch_tui.core.engine.retry import NO_HTTP_STATUS
from s3batch_tui.core.engine.adaptive import is_throttling
from s3batch_tui.core.formatting import format_duration
from s3batch_tui.core.operations.base import TaskOutcome

TRIP_AFTER = 8
PROBE_GROWTH = 2.0
PROBE_CAP_FACTOR = 30  # the longest wait between probes, in units of the first one
NEVER_ANSWERED_BUDGET = 5.0


def seconds_text(seconds: float) -> str:
    """`8` → `8 s`, `0.25` → `0.25 s` (probe waits, as the progress line shows them)."""
    return f"{seconds:.2g} s" if seconds < 10 else f"{seconds:.0f} s"


def is_endpoint_fault(outcome: TaskOutcome) -> bool:
    """A transient failure that says the endpoint is unwell (not the object, not throttling)."""
    if outcome.succeeded or not outcome.retryable or is_throttling(outcome):
        return False
    return outcome.http_status == NO_HTTP_STATUS or outcome.http_status >= 500


class OutageBreaker:
    """Watches outcomes; opens on a run of endpoint faults; closes when a probe is answered.

    Args:
        first_probe: seconds before the first probe; each next wait doubles, up to
            `PROBE_CAP_FACTOR` times this.
        budget: seconds an outage may last before `wait_for_endpoint` gives up.
    """

    def __init__(self, first_probe: float = 1.0, budget: float = 600.0, trip_after: int = TRIP_AFTER,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], object] = time.sleep) -> None:  # fmt: skip
        self.first_probe = first_probe
        self.budget = budget
        self.trip_after = trip_after
        self.clock = clock
        self._sleep = sleep
        self.outages = 0
        self.last_fault = ""
        self.last_code = ""
        self.answered = False  # any answer this run: the endpoint exists
        self._run = 0
        self._opened_at: float | None = None
        self._lock = threading.Lock()

    @property
    def is_open(self) -> bool:
        """Whether dispatch is stopped for an outage."""
        return self._opened_at is not None

    def observe(self, outcome: TaskOutcome) -> None:
        """Fold in one attempt's outcome (any worker thread)."""
        with self._lock:
            if is_endpoint_fault(outcome):
                self._run += 1
                self.last_fault = f"{outcome.error_code}: {outcome.message}"
                self.last_code = outcome.error_code
                if self._run >= self.trip_after and self._opened_at is None:
                    self._opened_at = self.clock()
                    self.outages += 1
            else:
                self._run = 0
                self.answered = True

    def suspect(self, outcome: TaskOutcome) -> bool:
        """Whether a task that ended with `outcome` should go back rather than fail.

        True while the breaker is open, or when the fault came in a run of endpoint
        faults not yet long enough to open it (the outage may be starting).
        """
        return is_endpoint_fault(outcome) and (self.is_open or self._run > 0)

    def wait_for_endpoint(
        self,
        probe: Callable[[], bool],
        should_stop: Callable[[], bool],
        announce: Callable[[str], None],
        tick: float = 0.25,
    ) -> str:
        """Probe until the endpoint answers; returns "closed", "stopped" or "budget".

        `probe()` is True when the endpoint answered; `should_stop()` is polled every
        `tick` seconds (pause, cancel); `announce(text)` tells the user what happens.
        """
        growing = self.first_probe
        started = self._opened_at if self._opened_at is not None else self.clock()
        while True:
            left = self._budget() - (self.clock() - started)
            if left <= 0:
                return "budget"
            wait = min(growing, left)  # the last probe comes when the budget ends, not after
            announce(f"endpoint unreachable, retrying in {seconds_text(wait)} ({self.last_code})")
            deadline = self.clock() + wait
            while self.clock() < deadline:
                if should_stop():
                    return "stopped"
                self._sleep(min(tick, max(deadline - self.clock(), 0.0)))
            if probe():
                with self._lock:
                    self._opened_at, self._run = None, 0
                return "closed"
            growing = min(growing * PROBE_GROWTH, self.first_probe * PROBE_CAP_FACTOR)

    def _budget(self) -> float:
        return self.budget if self.answered else min(self.budget, NEVER_ANSWERED_BUDGET)

    def outage_seconds(self) -> float:
        """How long the current outage has lasted (0 when closed)."""
        opened = self._opened_at
        return 0.0 if opened is None else self.clock() - opened

    def budget_text(self) -> str:
        """The pause reason once the budget is spent."""
        if not self.answered:
            return (
                f"endpoint never answered ({self.last_fault}); check the endpoint URL and that the "
                "server is up, then resume with `job run`"
            )
        return (
            f"endpoint unreachable for {format_duration(self.outage_seconds())} "
            f"(budget {format_duration(self.budget)}; last error {self.last_fault}); "
            "resume with `job run` once it is back"
        )
