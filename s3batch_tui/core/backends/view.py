"""A job of an S3 Control backend as front ends show it, from ListJobs and DescribeJob answers.

`JobView` carries the attributes the jobs table and the job actions read from a stored
`JobRecord` (id, status, counts, priority, report location...), so the same widgets show
jobs of either backend. `details` keeps the last DescribeJob answer for the inspector.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any

from s3batch_tui.core.formatting import format_duration
from s3batch_tui.core.status import JobStatus


def _seconds(value: Any) -> float | None:
    """A boto3 timestamp (datetime) or epoch seconds as epoch seconds."""
    if isinstance(value, dt.datetime):
        return value.timestamp()
    return float(value) if isinstance(value, (int, float)) else None


def operation_name(operation: Any) -> str:
    """`S3PutObjectTagging`, from ListJobs' name or DescribeJob's operation structure."""
    if isinstance(operation, dict):
        return next(iter(operation), "")
    return str(operation or "")


def report_manifest_uri(job_id: str, report: dict[str, Any] | None) -> str | None:
    """Where S3 writes the report's manifest: `{Prefix}/job-{id}/manifest.json` in the report bucket."""
    report = report or {}
    if not report.get("Enabled") or not report.get("Bucket"):
        return None
    bucket = report["Bucket"].rsplit(":::", 1)[-1]
    prefix = report.get("Prefix", "").strip("/")
    return f"s3://{bucket}/{prefix + '/' if prefix else ''}job-{job_id}/manifest.json"


@dataclass(frozen=True)
class JobView:
    """One S3 Control job, read-only, in the attribute names of a stored job."""

    id: str
    status: JobStatus
    operation: str
    description: str | None = None
    priority: int = 0
    created_at: float = 0.0
    terminated_at: float | None = None
    total_tasks: int | None = None
    succeeded: int = 0
    failed: int = 0
    active_seconds: float = 0.0
    status_reason: str | None = None
    failure_reasons: list[dict[str, str]] = field(default_factory=list)
    report_location: str | None = None
    """The report's manifest.json, known once DescribeJob showed an ended job with a report."""
    details: dict[str, Any] | None = field(default=None, compare=False)
    """The last DescribeJob `Job` answer (None until the job was described)."""
    runtime: dict[str, Any] | None = None

    @classmethod
    def from_answer(cls, job: dict[str, Any], previous: JobView | None = None) -> JobView:
        """From a `JobListDescriptor` (ListJobs) or a DescribeJob `Job`; keeps `previous`'s details."""
        summary = job.get("ProgressSummary") or {}
        described = "Manifest" in job or "RoleArn" in job  # only DescribeJob answers carry these
        details = job if described else (previous.details if previous else None)
        status = JobStatus(job["Status"])
        report = report_manifest_uri(job["JobId"], details.get("Report")) if details else None
        return cls(
            id=job["JobId"],
            status=status,
            operation=operation_name(job.get("Operation")),
            description=job.get("Description") or None,
            priority=job.get("Priority", 0),
            created_at=_seconds(job.get("CreationTime")) or 0.0,
            terminated_at=_seconds(job.get("TerminationDate")),
            total_tasks=summary.get("TotalNumberOfTasks") if "TotalNumberOfTasks" in summary else None,
            succeeded=summary.get("NumberOfTasksSucceeded", 0),
            failed=summary.get("NumberOfTasksFailed", 0),
            active_seconds=float((summary.get("Timers") or {}).get("ElapsedTimeInActiveSeconds", 0)),
            status_reason=job.get("StatusUpdateReason") if described else (previous.status_reason if previous else None),
            failure_reasons=list((details or {}).get("FailureReasons") or []),
            report_location=report if status.is_terminal else None,
            details=details,
        )  # fmt: skip


def _when(value: Any) -> str:
    seconds = _seconds(value)
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(seconds)) if seconds is not None else ""


def job_facts(job: dict[str, Any], tags: list[dict[str, str]] | None = None) -> list[tuple[str, str]]:
    """DescribeJob's `Job` in (label, text) pairs, in the order a user reads them; empty ones left out."""
    summary = job.get("ProgressSummary") or {}
    total = summary.get("TotalNumberOfTasks")
    done = summary.get("NumberOfTasksSucceeded", 0) + summary.get("NumberOfTasksFailed", 0)
    active = (summary.get("Timers") or {}).get("ElapsedTimeInActiveSeconds")
    manifest = (job.get("Manifest") or {}).get("Location") or {}
    report = job.get("Report") or {}
    reasons = "; ".join(f"{r.get('FailureCode', '')}: {r.get('FailureReason', '')}" for r in job.get("FailureReasons") or [])
    facts = [
        ("Status", job.get("Status", "")),
        ("Tasks", f"{done:,} of {total:,} done: {summary.get('NumberOfTasksSucceeded', 0):,} succeeded, "
                  f"{summary.get('NumberOfTasksFailed', 0):,} failed" if total is not None else "not counted yet"),
        ("Active for", format_duration(active) if active is not None else ""),
        ("Status reason", job.get("StatusUpdateReason") or ""),
        ("Failure reasons", reasons),
        ("Suspended", " ".join(filter(None, (_when(job.get("SuspendedDate")), job.get("SuspendedCause") or "")))),
        ("Operation", operation_name(job.get("Operation"))),
        ("Priority", str(job.get("Priority", ""))),
        ("Manifest", " ".join(filter(None, (manifest.get("ObjectArn", ""),
                                            f"ETag {manifest['ETag']}" if manifest.get("ETag") else "")))),
        ("Report", (report_manifest_uri(job.get("JobId", ""), report) or "") + (
            f" ({report.get('ReportScope', '')})" if report.get("Enabled") else "none")),
        ("Role", job.get("RoleArn") or ""),
        ("Created", _when(job.get("CreationTime"))),
        ("Terminated", _when(job.get("TerminationDate"))),
        ("Job tags", ", ".join(f"{t['Key']}={t['Value']}" for t in tags) if tags else ""),
        ("Job ARN", job.get("JobArn") or ""),
    ]  # fmt: skip
    return [(label, text) for label, text in facts if text]
