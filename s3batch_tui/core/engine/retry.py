"""Errors to outcomes, and the one retry policy (botocore's own retries are off).

SPEC section 4: 5xx, SlowDown, throttling and connection errors are retried with
exponential back-off and full jitter, a bounded number of times; any other 4xx fails
the task at once with its error code and message.
"""

from __future__ import annotations

import random as _random
import time
from collections.abc import Callable

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotocoreConnectionError

from s3batch_tui.core.manifest.entry import ManifestEntry
from s3batch_tui.core.operations.base import BatchOperation, Operation, TaskOutcome

RETRYABLE_ERROR_CODES = frozenset(
    {
        "SlowDown",
        "Throttling",
        "ThrottlingException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "RequestThrottled",
        "ProvisionedThroughputExceededException",
        "RequestTimeout",
        "RequestTimeoutException",
        "InternalError",
        "ServiceUnavailable",
    }
)
"""Error codes worth another attempt whatever their HTTP status."""

NO_HTTP_STATUS = 0
"""`http_status` of a task that got no HTTP answer (connection error, local bug)."""

# EndpointConnectionError, ConnectTimeoutError (ConnectionError) and ReadTimeoutError,
# ConnectionClosedError (HTTPClientError) are all subclasses of these two.
_CONNECTION_ERRORS = (BotocoreConnectionError, HTTPClientError)


def is_retryable(http_status: int, error_code: str) -> bool:
    """Whether an S3 error answer is transient: 5xx, 429 or a throttling/timeout code."""
    return http_status >= 500 or http_status == 429 or error_code in RETRYABLE_ERROR_CODES


def outcome_from_exception(exc: BaseException) -> TaskOutcome:
    """The failed outcome an exception stands for.

    An S3 error answer keeps its HTTP status, code and message; a connection error has
    no HTTP status (0) and is retryable; anything else is a bug in an operation: the
    task fails (code = the exception's class name), not the job, and is not retried.
    """
    if isinstance(getattr(exc, "outcome", None), TaskOutcome):  # a TransientError from retried steps
        return exc.outcome
    if isinstance(exc, ClientError):
        response = exc.response or {}
        error = response.get("Error") or {}
        status = int((response.get("ResponseMetadata") or {}).get("HTTPStatusCode") or NO_HTTP_STATUS)
        code = str(error.get("Code") or type(exc).__name__)
        message = str(error.get("Message") or exc)
        return TaskOutcome(False, status, code, message, retryable=is_retryable(status, code))
    retryable = isinstance(exc, _CONNECTION_ERRORS)
    return TaskOutcome(False, NO_HTTP_STATUS, type(exc).__name__, str(exc), retryable=retryable)


class RetryPolicy:
    """Run a task, retrying transient failures with exponential back-off and full jitter.

    The wait before retry n (n = 0 for the first retry) is uniform in
    [floor * d, d) with d = min(max_delay, base_delay * 2**n): full jitter by default;
    a floor (0.5 is "equal jitter") guarantees the retries span a known minimum time,
    which a command a person waits on needs to outlast a short outage. `sleep` and
    `random` are injectable; an engine can pass `sleep=stop_event.wait` so that
    cancelling cuts a wait short.
    `observe` is called after every attempt with its outcome (the job's outage breaker
    and adaptive rate watch the endpoint's health through it).
    """

    def __init__(
        self,
        max_attempts: int = 5,
        base_delay: float = 0.1,
        max_delay: float = 5.0,
        floor: float = 0.0,
        sleep: Callable[[float], object] = time.sleep,
        random: Callable[[], float] = _random.random,
        observe: Callable[[TaskOutcome], object] | None = None,
    ) -> None:
        if max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, got {max_attempts}")
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.floor = floor
        self._sleep = sleep
        self._random = random
        self._observe = observe

    def observe(self, outcome: TaskOutcome) -> None:
        """Report one attempt's outcome to the observer (the job's endpoint health)."""
        if self._observe is not None:
            self._observe(outcome)

    def is_final(self, outcome: TaskOutcome, attempts: int) -> bool:
        """Whether the task ends with `outcome` after `attempts` attempts (no retry)."""
        return outcome.succeeded or not outcome.retryable or attempts >= self.max_attempts

    def delay(self, retry: int) -> float:
        """Seconds to wait before retry number `retry` (0-based)."""
        ceiling = min(self.max_delay, self.base_delay * 2**retry)
        return ceiling * (self.floor + (1.0 - self.floor) * self._random())

    def execute(
        self,
        operation: Operation,
        entry: ManifestEntry,
        should_stop: Callable[[], bool] | None = None,
        first: TaskOutcome | None = None,
    ) -> tuple[TaskOutcome, int]:
        """Run `operation` on `entry` until it succeeds, fails for good or attempts run out.

        Args:
            operation: what to apply.
            entry: the object to apply it to.
            should_stop: when it returns True (job cancelled or pausing), no further
                wait or attempt happens.
            first: the outcome of a first attempt already made (and observed)
                elsewhere, when the task was started without a thread.

        Returns:
            The last outcome (its `retryable` flag as the last attempt left it) and the
            number of attempts made.
        """
        attempts = 0
        while True:
            attempts += 1
            if attempts == 1 and first is not None:
                outcome = first
            else:
                try:
                    outcome = operation.run(entry)
                except Exception as exc:  # noqa: BLE001 - errors are values: one task fails, not the job
                    outcome = outcome_from_exception(exc)
                self.observe(outcome)
            if self.is_final(outcome, attempts):
                return outcome, attempts
            if should_stop is not None and should_stop():
                return outcome, attempts
            self._sleep(self.delay(attempts - 1))
            if should_stop is not None and should_stop():
                return outcome, attempts

    def execute_batch(
        self,
        operation: BatchOperation,
        entries: list[ManifestEntry],
        should_stop: Callable[[], bool] | None = None,
    ) -> list[TaskOutcome]:
        """Run a batch; entries whose outcome is retryable go again (alone together), bounded.

        Returns one outcome per entry, in the entries' order.
        """
        outcomes: dict[int, TaskOutcome] = {}
        pending = list(range(len(entries)))
        for attempt in range(self.max_attempts):
            if attempt:
                if should_stop is not None and should_stop():
                    break
                self._sleep(self.delay(attempt - 1))
            batch = [entries[i] for i in pending]
            try:
                results = operation.run_batch(batch)
            except Exception as exc:  # noqa: BLE001 - the whole call failed: every entry gets it
                results = [outcome_from_exception(exc)] * len(batch)
            if len(results) != len(batch):
                bug = TaskOutcome(False, NO_HTTP_STATUS, "InternalError",
                                  f"{operation.name} returned {len(results)} outcomes for {len(batch)} objects")
                results = [bug] * len(batch)  # fmt: skip
            if self._observe is not None and results:
                self._observe(results[0])  # one call: one observation
            for index, outcome in zip(pending, results, strict=True):
                outcomes[index] = outcome
            pending = [i for i in pending if outcomes[i].retryable and not outcomes[i].succeeded]
            if not pending:
                break
        return [outcomes[i] for i in range(len(entries))]

