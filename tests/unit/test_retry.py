"""Error classification and the retry policy, with real botocore exception values."""

from __future__ import annotations

import pytest
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    HTTPClientError,
    NoCredentialsError,
    ParamValidationError,
    ReadTimeoutError,
)
from botocore.exceptions import ConnectionError as BotocoreConnectionError

from s3batch_tui.core.engine.retry import RetryPolicy, outcome_from_exception
from s3batch_tui.core.manifest.entry import ManifestEntry
from s3batch_tui.core.operations.base import SUCCESS, TaskOutcome

ENTRY = ManifestEntry(ordinal=0, bucket="b", key="k", version_id=None, raw_key="k")
URL = "http://127.0.0.1:9/b/k"


def client_error(status: int, code: str, message: str = "msg") -> ClientError:
    """What botocore raises for an S3 error answer."""
    response = {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}
    return ClientError(response, "PutObjectTagging")


@pytest.mark.parametrize(
    ("status", "code", "retryable"),
    [
        (404, "NoSuchKey", False),
        (403, "AccessDenied", False),
        (400, "InvalidRequest", False),
        (400, "InvalidTag", False),
        (500, "InternalError", True),
        (501, "NotImplemented", True),
        (502, "502", True),
        (503, "SlowDown", True),
        (503, "ServiceUnavailable", True),
        (429, "TooManyRequests", True),
        (400, "Throttling", True),
        (400, "ThrottlingException", True),
        (400, "RequestLimitExceeded", True),
        (400, "TooManyRequestsException", True),
        (400, "RequestThrottled", True),
        (400, "ProvisionedThroughputExceededException", True),
        (400, "RequestTimeout", True),
        (408, "RequestTimeoutException", True),
    ],
)
def test_client_errors_keep_status_code_and_message(status, code, retryable):
    outcome = outcome_from_exception(client_error(status, code, "the message"))
    assert outcome == TaskOutcome(False, status, code, "the message", retryable)


def test_client_error_without_message_falls_back_to_its_text():
    exc = ClientError({"Error": {"Code": "NoSuchKey"}, "ResponseMetadata": {"HTTPStatusCode": 404}}, "CopyObject")
    outcome = outcome_from_exception(exc)
    assert (outcome.http_status, outcome.error_code, outcome.message) == (404, "NoSuchKey", str(exc))


def test_client_error_without_metadata_has_no_status():
    outcome = outcome_from_exception(ClientError({"Error": {"Code": "Weird"}}, "CopyObject"))
    assert (outcome.succeeded, outcome.http_status, outcome.error_code, outcome.retryable) == (False, 0, "Weird", False)


@pytest.mark.parametrize(
    "exc",
    [
        EndpointConnectionError(endpoint_url=URL),
        ConnectionClosedError(endpoint_url=URL),
        ReadTimeoutError(endpoint_url=URL),
        ConnectTimeoutError(endpoint_url=URL),
        BotocoreConnectionError(error="reset by peer"),
        HTTPClientError(error="broken pipe"),
    ],
    ids=lambda exc: type(exc).__name__,
)
def test_connection_errors_are_retryable_without_http_status(exc):
    outcome = outcome_from_exception(exc)
    assert outcome == TaskOutcome(False, 0, type(exc).__name__, str(exc), retryable=True)


@pytest.mark.parametrize(
    "exc",
    [ValueError("bad value"), KeyError("k"), NoCredentialsError(), ParamValidationError(report="Key is required")],
    ids=lambda exc: type(exc).__name__,
)
def test_other_exceptions_fail_the_task_for_good(exc):
    outcome = outcome_from_exception(exc)
    assert outcome == TaskOutcome(False, 0, type(exc).__name__, str(exc), retryable=False)


class Scripted:
    """An operation that plays back outcomes and exceptions, one per attempt."""

    name = "Scripted"

    def __init__(self, *steps):
        self.steps = list(steps)
        self.calls = 0

    def run(self, entry):
        step = self.steps[min(self.calls, len(self.steps) - 1)]
        self.calls += 1
        if isinstance(step, BaseException):
            raise step
        return step


class Clock:
    """Records the waits instead of sleeping."""

    def __init__(self):
        self.waits: list[float] = []

    def __call__(self, seconds):
        self.waits.append(seconds)


def policy(clock, jitter=1.0, **kwargs) -> RetryPolicy:
    return RetryPolicy(sleep=clock, random=lambda: jitter, **kwargs)


def test_success_takes_one_attempt_and_no_wait():
    clock = Clock()
    assert policy(clock).execute(Scripted(SUCCESS), ENTRY) == (SUCCESS, 1)
    assert clock.waits == []


def test_permanent_failure_is_not_retried():
    clock = Clock()
    operation = Scripted(client_error(404, "NoSuchKey"))
    outcome, attempts = policy(clock).execute(operation, ENTRY)
    assert (outcome.error_code, outcome.retryable, attempts, operation.calls) == ("NoSuchKey", False, 1, 1)
    assert clock.waits == []


def test_raised_transient_errors_are_retried_until_success():
    clock = Clock()
    operation = Scripted(client_error(503, "SlowDown"), EndpointConnectionError(endpoint_url=URL), SUCCESS)
    assert policy(clock).execute(operation, ENTRY) == (SUCCESS, 3)
    assert clock.waits == [0.1, 0.2]


def test_returned_retryable_outcomes_are_retried_too():
    clock = Clock()
    temporary = TaskOutcome(False, 200, "TemporaryFailure", "try later", retryable=True)
    assert policy(clock).execute(Scripted(temporary, SUCCESS), ENTRY) == (SUCCESS, 2)


def test_backoff_doubles_up_to_the_cap_with_full_jitter():
    clock = Clock()
    operation = Scripted(client_error(500, "InternalError"))
    slow = policy(clock, max_attempts=8, base_delay=1.0, max_delay=10.0)
    outcome, attempts = slow.execute(operation, ENTRY)
    assert attempts == 8 and operation.calls == 8
    assert clock.waits == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0, 10.0]
    half = policy(Clock(), jitter=0.5, base_delay=1.0, max_delay=10.0)
    assert [half.delay(n) for n in range(5)] == [0.5, 1.0, 2.0, 4.0, 5.0]


def test_a_floor_keeps_every_wait_above_a_share_of_its_ceiling():
    unlucky = policy(Clock(), jitter=0.0, base_delay=1.0, max_delay=10.0, floor=0.5)
    assert [unlucky.delay(n) for n in range(5)] == [0.5, 1.0, 2.0, 4.0, 5.0]
    lucky = policy(Clock(), jitter=1.0, base_delay=1.0, max_delay=10.0, floor=0.5)
    assert [lucky.delay(n) for n in range(5)] == [1.0, 2.0, 4.0, 8.0, 10.0]


def test_s3_control_retries_outlast_a_one_second_outage_however_the_jitter_falls():
    """Connections refused come back at once: only the waits between attempts span an outage."""
    from s3batch_tui.core.backends.s3control import control_retry_policy

    shortest = control_retry_policy()
    shortest._random = lambda: 0.0
    assert sum(shortest.delay(n) for n in range(shortest.max_attempts - 1)) >= 1.8


def test_attempts_are_bounded_and_the_last_outcome_is_returned_as_is():
    clock = Clock()
    operation = Scripted(client_error(503, "SlowDown", "first"), client_error(500, "InternalError", "last"))
    outcome, attempts = policy(clock, max_attempts=3).execute(operation, ENTRY)
    assert (attempts, operation.calls, len(clock.waits)) == (3, 3, 2)
    assert outcome == TaskOutcome(False, 500, "InternalError", "last", retryable=True)


def test_a_single_attempt_policy_never_waits():
    clock = Clock()
    outcome, attempts = policy(clock, max_attempts=1).execute(Scripted(client_error(503, "SlowDown")), ENTRY)
    assert (outcome.error_code, attempts, clock.waits) == ("SlowDown", 1, [])


def test_max_attempts_below_one_is_refused():
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)


def test_an_operation_bug_becomes_a_failed_outcome():
    outcome, attempts = policy(Clock()).execute(Scripted(ZeroDivisionError("division by zero")), ENTRY)
    assert outcome == TaskOutcome(False, 0, "ZeroDivisionError", "division by zero", False)
    assert attempts == 1


def test_keyboard_interrupt_is_not_swallowed():
    with pytest.raises(KeyboardInterrupt):
        policy(Clock()).execute(Scripted(KeyboardInterrupt()), ENTRY)


def test_should_stop_before_the_wait_ends_retrying():
    clock = Clock()
    operation = Scripted(client_error(503, "SlowDown"))
    outcome, attempts = policy(clock).execute(operation, ENTRY, should_stop=lambda: True)
    assert (outcome.error_code, attempts, operation.calls, clock.waits) == ("SlowDown", 1, 1, [])


def test_should_stop_during_the_wait_prevents_the_next_attempt():
    stopped = False

    def sleep(seconds):
        nonlocal stopped
        stopped = True  # cancelled while waiting

    operation = Scripted(client_error(503, "SlowDown"))
    policy_ = RetryPolicy(sleep=sleep, random=lambda: 1.0)
    outcome, attempts = policy_.execute(operation, ENTRY, should_stop=lambda: stopped)
    assert (outcome.retryable, attempts, operation.calls) == (True, 1, 1)


def test_should_stop_is_ignored_once_the_task_succeeded():
    assert policy(Clock()).execute(Scripted(SUCCESS), ENTRY, should_stop=lambda: True) == (SUCCESS, 1)


class ScriptedBatch:
    """A batch operation whose outcomes per call are scripted; records the batches."""

    name = "ScriptedBatch"
    batch_size = 3

    def __init__(self, *calls):
        self.calls = list(calls)
        self.batches: list[list[int]] = []

    def run_batch(self, entries):
        self.batches.append([e.ordinal for e in entries])
        step = self.calls.pop(0)
        if isinstance(step, BaseException):
            raise step
        return step


SLOW = TaskOutcome(False, 503, "SlowDown", "slow down", retryable=True)
DENIED = TaskOutcome(False, 403, "AccessDenied", "no")


def entries(n):
    return [ManifestEntry(i, "b", f"k{i}", None, f"k{i}") for i in range(n)]


def test_a_batch_retries_only_its_retryable_entries_and_keeps_order():
    clock = Clock()
    operation = ScriptedBatch([SUCCESS, SLOW, DENIED], [SUCCESS])
    outcomes = policy(clock).execute_batch(operation, entries(3))
    assert outcomes == [SUCCESS, SUCCESS, DENIED]
    assert operation.batches == [[0, 1, 2], [1]]
    assert len(clock.waits) == 1


def test_a_batch_call_that_raises_gives_every_entry_the_error():
    operation = ScriptedBatch(client_error(403, "AccessDenied"))
    outcomes = policy(Clock()).execute_batch(operation, entries(2))
    assert [(o.succeeded, o.error_code) for o in outcomes] == [(False, "AccessDenied")] * 2


def test_a_batch_with_the_wrong_number_of_outcomes_fails_every_entry_clearly():
    outcomes = policy(Clock()).execute_batch(ScriptedBatch([SUCCESS]), entries(2))
    assert {o.error_code for o in outcomes} == {"InternalError"}
    assert "returned 1 outcomes for 2 objects" in outcomes[0].message


def test_batch_attempts_are_bounded():
    operation = ScriptedBatch(*([[SLOW]] * 3))
    assert policy(Clock(), max_attempts=3).execute_batch(operation, entries(1)) == [SLOW]
    assert len(operation.batches) == 3
