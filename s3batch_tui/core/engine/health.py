"""One job's view of its endpoint: retried non-task calls, the outage breaker, the adaptive rate.

Task attempts and non-task calls report every outcome here, so an outage or throttling
seen by any of them steers the whole job. A task whose attempts all met transient
faults is handed back to be dispatched again rather than failed: always while an
outage is suspected (the breaker's budget bounds that), otherwise `MAX_RETURNS` times,
so a fault that keeps coming back for one object still ends as that task's failure.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from s3batch_tui.core.engine.adaptive import AdaptiveRate, is_throttling
from s3batch_tui.core.engine.breaker import OutageBreaker, is_endpoint_fault
from s3batch_tui.core.engine.retry import RetryPolicy, outcome_from_exception
from s3batch_tui.core.engine.retrying import Retrying, RetryingClient
from s3batch_tui.core.operations.base import TaskOutcome
from s3batch_tui.core.spec import LocalOptions

MAX_RETURNS = 3


class EndpointHealth:
    """The breaker, the adaptive rate and the retry policies of one job run.

    Args:
        options: the job's LocalOptions (attempts, rate ceiling, outage timing).
        client: makes (or returns) the shared boto3 S3 client, on first use.
        should_stop: True when the job is cancelling or its process is going away.
    """

    def __init__(self, options: LocalOptions, client: Callable[[], Any], should_stop: Callable[[], bool]) -> None:
        self.breaker = OutageBreaker(options.outage_probe_seconds, options.outage_budget_seconds)
        self.rate = AdaptiveRate(options.max_operations_per_second)
        self.task_policy = RetryPolicy(max_attempts=options.max_attempts, observe=self.observe)
        self.retrying = Retrying(should_stop=should_stop, observe=self.observe)
        self._client = client
        self.probe_bucket: str | None = None
        self._returns: dict[int, int] = {}
        self._published: tuple | None = None
        self._announced: str | None = None  # the last outage announcement, kept while it lasts
        self._lock = threading.Lock()

    def observe(self, outcome: TaskOutcome) -> None:
        """One attempt's outcome, from any thread."""
        self.breaker.observe(outcome)
        self.rate.observe(outcome)

    def hand_back(self, ordinal: int, outcome: TaskOutcome) -> bool:
        """Whether a task that ended with this failed outcome goes back to be dispatched again.

        Only faults of the endpoint (5xx, resets) or throttling come back: a transient answer
        of the operation itself (a Lambda's TemporaryFailure) has had its attempts.
        """
        if not (is_endpoint_fault(outcome) or is_throttling(outcome)):
            return False
        if self.breaker.suspect(outcome):
            return True
        with self._lock:
            returns = self._returns.pop(ordinal, 0)
            if returns < MAX_RETURNS:
                self._returns[ordinal] = returns + 1
                return True
        return False

    def s3(self) -> RetryingClient:
        """The S3 client for non-task calls (manifest, generator, report), retried."""
        return self.retrying.client(self._client())

    def probe(self) -> bool:
        """Whether the endpoint answers at all (any HTTP answer, even 403 or 404, counts)."""
        try:
            if self.probe_bucket:
                self._client().head_bucket(Bucket=self.probe_bucket)
            else:
                self._client().list_buckets()
        except Exception as exc:  # noqa: BLE001 - the kind of failure is the answer
            return not is_endpoint_fault(outcome_from_exception(exc))
        return True

    def runtime(self) -> dict[str, Any]:
        """What `job show` and the TUI show of the live run (stored as the job's runtime)."""
        state: dict[str, Any] = {"EffectiveRate": self.rate.rate, "RateCeiling": self.rate.ceiling,
                                 "RateCuts": self.rate.cuts, "Outages": self.breaker.outages}  # fmt: skip
        if self.breaker.is_open:
            state["OutageSeconds"] = round(self.breaker.outage_seconds(), 1)
        return {k: v for k, v in state.items() if v is not None}

    def live_state(self, reason: str | None = None, force: bool = False) -> tuple[dict[str, Any], str | None] | None:
        """(runtime, status reason) to store, or None when nothing changed since the last one."""
        outage = self._announced if self.breaker.is_open else None
        state = (self.runtime(), reason or outage or self.rate.describe())
        if state == self._published and not force:
            return None
        self._published = state
        return state

    def forget_published(self) -> None:
        """The run stopped: the next live state is stored whatever it is."""
        self._published = None

    def ride_out_outage(
        self, check_controls: Callable[[], Any], publish: Callable[[str | None, bool], None]
    ) -> Any:
        """Probe the endpoint until it answers, announcing each wait through `publish`.

        Returns None once the endpoint is back, "budget" when the outage outlasted the
        budget, or whatever `check_controls()` returned that was not None (pause, cancel).
        """
        seen: list[Any] = [None]

        def stopping() -> bool:
            seen[0] = check_controls()
            return seen[0] is not None

        def announce(text: str) -> None:
            self._announced = text
            publish(text, True)

        result = self.breaker.wait_for_endpoint(self.probe, stopping, announce)
        self._announced = None
        if result == "closed":
            publish(None, True)  # back to full speed: the reason goes
        return "budget" if result == "budget" else seen[0]
