"""What the store hands out: job records, checkpoints, failure rows."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from s3batch_tui.core.spec import JobSpec
from s3batch_tui.core.status import JobStatus


@dataclass(frozen=True)
class Checkpoint:
    """Everything needed to resume a job after a crash, written in one transaction.

    Attributes:
        watermark: every ordinal below it is done.
        done_above: done ordinals at or above the watermark (bounded by the window).
        resume_point: (ordinal, position) of an entry at or below the watermark to
            restart reading from, or None to restart from the top.
        staging_lengths: report staging file lengths; longer files are truncated.
    """

    succeeded: int
    failed: int
    active_seconds: float
    watermark: int
    done_above: list[int]
    resume_point: tuple[int, Any] | None
    staging_lengths: dict[str, int]


@dataclass(frozen=True)
class FailureRow:
    """A failed task, kept for retry-failed and the inspector."""

    ordinal: int
    bucket: str
    raw_key: str
    version_id: str | None
    http_status: int
    error_code: str
    message: str


@dataclass(frozen=True)
class JobRecord:
    """One job as stored."""

    id: str
    spec_json: str
    operation: str
    description: str | None
    priority: int
    status: JobStatus
    status_reason: str | None
    requested: str | None
    failure_reasons: list[dict[str, str]]
    created_at: float
    updated_at: float
    terminated_at: float | None
    total_tasks: int | None
    skipped_rows: int
    manifest_identity: dict[str, Any] | None
    succeeded: int
    failed: int
    active_seconds: float
    watermark: int
    done_above: list[int]
    resume_point: tuple[int, Any] | None
    staging_lengths: dict[str, int]
    report_location: str | None
    lease_owner: str | None
    lease_expires: float | None
    client_token: str | None = None
    body_hash: str | None = None
    suspended_at: float | None = None
    runtime: dict[str, Any] | None = None
    """What the runner publishes while it runs: `effective_rate`, `rate_ceiling`, `outage`."""
    spec: JobSpec = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "spec", JobSpec.model_validate_json(self.spec_json))

    @property
    def checkpoint(self) -> Checkpoint:
        """The last committed checkpoint."""
        return Checkpoint(
            self.succeeded, self.failed, self.active_seconds, self.watermark,
            self.done_above, self.resume_point, self.staging_lengths,
        )  # fmt: skip


_JSON_COLUMNS = {"runtime", "failure_reasons", "manifest_identity", "done_above", "resume_point", "staging_lengths"}


def record_from_row(row: sqlite3.Row) -> JobRecord:
    values = {k: (json.loads(row[k]) if k in _JSON_COLUMNS and row[k] is not None else row[k]) for k in row.keys()}
    values["spec_json"] = values.pop("spec")
    values["status"] = JobStatus(values["status"])
    if values["resume_point"] is not None:
        values["resume_point"] = tuple(values["resume_point"])
    return JobRecord(**values)
