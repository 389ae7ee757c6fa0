"""Every S3 call outside a task, retried the way tasks are.

Manifest and inventory reads, HEAD checks, generator listing, report and manifest-output
writes all go through a `RetryingClient`: a transient fault (5xx, throttling, reset,
timeout) is retried with the job's back-off; any other error is raised as it came, so
the caller's message for it (NoSuchKey, AccessDenied, ...) stays what it was. A fault
that is still transient after the last attempt becomes a `TransientError`, which the
job run turns into a resumable pause, never a failed job.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from boto3.exceptions import S3UploadFailedError

from s3batch_tui.core.engine.retry import RetryPolicy, outcome_from_exception
from s3batch_tui.core.operations.base import SUCCESS, TaskOutcome

# Non-task calls are few and guard the whole job: they get more attempts than a task
# (about 10 s of back-off in all), so a short blip never pauses a job.
NON_TASK_ATTEMPTS = 10

# Client attributes that are not S3 requests (or that make requests we do not wrap).
_PASS_THROUGH = frozenset({"get_paginator", "get_waiter", "can_paginate", "generate_presigned_url",
                           "generate_presigned_post", "close"})  # fmt: skip


# boto3's managed transfers, named by the request they mostly are.
_TRANSFERS = {"upload_file": "PutObject", "upload_fileobj": "PutObject", "download_file": "GetObject",
              "download_fileobj": "GetObject"}  # fmt: skip


class TransientError(Exception):
    """A transient S3 fault outlasted every retry: the endpoint is down or throttling hard.

    Attributes:
        what: the request that failed ("GetObject").
        outcome: the last attempt's outcome (status, code, message).
    """

    def __init__(self, what: str, outcome: TaskOutcome) -> None:
        self.what = what
        self.outcome = outcome
        status = f"HTTP {outcome.http_status} " if outcome.http_status else ""
        super().__init__(f"{what} failed after retries: {status}{outcome.error_code}: {outcome.message}")


class Retrying:
    """Runs calls with a retry policy; `observe` sees every attempt's outcome.

    Args:
        policy: back-off and attempt count (its classification decides what is transient).
        should_stop: when it returns True, no further attempt is made.
        observe: called with every attempt's outcome (the outage breaker and the
            adaptive rate listen here as they do for tasks).
    """

    def __init__(
        self,
        policy: RetryPolicy | None = None,
        should_stop: Callable[[], bool] | None = None,
        observe: Callable[[TaskOutcome], object] | None = None,
    ) -> None:
        self.policy = policy or RetryPolicy(max_attempts=NON_TASK_ATTEMPTS)
        self.should_stop = should_stop
        self.observe = observe
        self.retries = 0

    def call(self, what: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """`fn(*args, **kwargs)`, retried while it fails transiently (see module docstring)."""
        attempt = 0
        while True:
            try:
                result = fn(*args, **kwargs)
            except Exception as exc:
                outcome = outcome_from_exception(_underlying(exc))
                if self.observe is not None:
                    self.observe(outcome)
                if not outcome.retryable:
                    raise
                attempt += 1
                stopping = self.should_stop is not None and self.should_stop()
                if attempt >= self.policy.max_attempts or stopping:
                    raise TransientError(what, outcome) from exc
                self.retries += 1
                time.sleep(self.policy.delay(attempt - 1))
                continue
            if self.observe is not None:
                self.observe(SUCCESS)
            return result

    def client(self, client: Any) -> RetryingClient:
        """`client` with every request method retried through this object."""
        return RetryingClient(client, self)


def _underlying(exc: Exception) -> BaseException:
    """The S3 error behind boto3's S3UploadFailedError (upload_file wraps ClientError in it)."""
    if isinstance(exc, S3UploadFailedError):
        return exc.__cause__ or exc.__context__ or exc
    return exc


class RetryingClient:
    """A boto3 client whose request methods are retried (other attributes pass through)."""

    def __init__(self, client: Any, retrying: Retrying) -> None:
        self._client = client
        self._retrying = retrying

    @property
    def unwrapped(self) -> Any:
        """The plain boto3 client."""
        return self._client

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if name.startswith("_") or name in _PASS_THROUGH or not callable(attribute):
            return attribute
        operation = self._client.meta.method_to_api_mapping.get(name) or _TRANSFERS.get(name, name)

        def retried(*args: Any, **kwargs: Any) -> Any:
            return self._retrying.call(operation, attribute, *args, **kwargs)

        return retried
