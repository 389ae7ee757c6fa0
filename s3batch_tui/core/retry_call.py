"""One S3 call retried on transient failures: the few requests made outside tasks
(preflight, dry run, versioning look-ups) all go through `call_with_retries`."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from s3batch_tui.core.engine.retry import outcome_from_exception

T = TypeVar("T")

RETRY_DELAYS = (0.25, 1.0)
"""Waits before the 2nd and 3rd attempt of a call that failed transiently."""


def call_with_retries(call: Callable[[], T], sleep: Callable[[float], object] = time.sleep) -> T:
    """`call()`, again after a transient failure (5xx, throttling, connection error), at most 3 times."""
    for delay in (*RETRY_DELAYS, None):
        try:
            return call()
        except (ClientError, BotoCoreError) as exc:
            if delay is None or not outcome_from_exception(exc).retryable:
                raise
        sleep(delay)
    raise AssertionError("unreachable")
