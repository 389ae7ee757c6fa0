"""The one small interface all operations share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from s3batch_tui.core.manifest.entry import ManifestEntry

if TYPE_CHECKING:
    from s3batch_tui.core.spec import LocalOptions


@dataclass(frozen=True, slots=True)
class TaskOutcome:
    """What one task did: one report row.

    Attributes:
        succeeded: whether the operation was applied.
        http_status: the HTTP status of the last call (200 on success).
        error_code: the S3 (or Lambda) error code; empty on success.
        message: the report's ResultMessage ("Successful", the error message, ...).
        retryable: a transient failure worth retrying (5xx, SlowDown, throttling,
            connection error, Lambda TemporaryFailure). The engine retries these with
            back-off; when attempts run out the outcome is reported as it is.
    """

    succeeded: bool
    http_status: int = 200
    error_code: str = ""
    message: str = "Successful"
    retryable: bool = False


SUCCESS = TaskOutcome(succeeded=True)


@dataclass(frozen=True)
class OperationContext:
    """What an operation may use: the shared S3 client and the job's identity."""

    s3: Any
    job_id: str
    make_client: Any = None  # callable(service_name) -> boto3 client, for Lambda & co.
    delete_confirmed: bool = False  # the CLI got --yes-delete (LocalDeleteObject may run)
    options: LocalOptions | None = None  # the job's LocalOptions (e.g. multipart copy sizes)


class Operation(Protocol):
    """Built once per job from the spec's operation parameters; `run` is thread-safe."""

    name: ClassVar[str]

    def run(self, entry: ManifestEntry) -> TaskOutcome:
        """Apply the operation to one object.

        Return an outcome, or let a botocore exception propagate: the engine turns it
        into an outcome (error code, HTTP status, message) and decides about retries.
        """
        ...


class AsyncOperation(Operation, Protocol):
    """An operation that can also start a task without a thread waiting for it (the lean path).

    `start` sends the request and returns; `done` is called once, from another thread,
    with the outcome `run` would have returned or raised as an outcome, or with None when
    the task needs `run` after all (e.g. an object too large for CopyObject).
    """

    def start(self, entry: ManifestEntry, done: Callable[[TaskOutcome | None], None]) -> None:
        """Start the task; its outcome goes to `done`."""
        ...


class BatchOperation(Protocol):
    """An operation that acts on up to `batch_size` objects per call (e.g. DeleteObjects).

    The engine hands it batches of consecutive entries; it returns one outcome per entry,
    in order. Raising is allowed: every entry of the batch then gets that error.
    """

    name: ClassVar[str]
    batch_size: ClassVar[int]

    def run_batch(self, entries: list[ManifestEntry]) -> list[TaskOutcome]:
        """Apply the operation to every entry; one outcome per entry, in order."""
        ...


def is_async(operation: object) -> bool:
    """Whether the engine can start `operation`'s tasks without a thread per task."""
    return callable(getattr(operation, "start", None))


def is_batch(operation: object) -> bool:
    """Whether the engine should hand `operation` batches rather than single entries."""
    return callable(getattr(operation, "run_batch", None))
