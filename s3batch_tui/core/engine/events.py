"""Typed, immutable events the engine emits; listeners are plain callbacks.

The core knows nothing of Textual: the TUI's listener turns these into messages.
Listeners are called on engine threads and must return quickly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from s3batch_tui.core.status import JobStatus


@dataclass(frozen=True, slots=True)
class JobStatusChanged:
    """A job moved from one status to another."""

    job_id: str
    old: JobStatus
    new: JobStatus
    reason: str | None
    at: float


@dataclass(frozen=True, slots=True)
class JobProgressed:
    """Counters of a running job (emitted at most ~10 times a second per job)."""

    job_id: str
    total: int | None
    succeeded: int
    failed: int
    active_seconds: float
    rate: float  # tasks per second over the last few seconds
    eta_seconds: float | None


@dataclass(frozen=True, slots=True)
class TaskFailed:
    """One task failed (after its retries)."""

    job_id: str
    ordinal: int
    bucket: str
    key: str
    version_id: str | None
    http_status: int
    error_code: str
    message: str


EngineEvent = JobStatusChanged | JobProgressed | TaskFailed


class EngineListener(Protocol):
    """Receives every engine event."""

    def __call__(self, event: EngineEvent) -> None: ...
