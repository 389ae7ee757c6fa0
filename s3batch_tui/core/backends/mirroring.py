"""S3 Control answers into the history mirror, and mirrored jobs back into S3 Control shapes.

`S3ControlBackend` writes through a `ControlMirror` (when it has one): every ListJobs
and DescribeJob answer, and every job it creates. Offline, a front end reads the mirror
and shows `as_descriptor` (a ListJobs row) or `as_job` (a DescribeJob `Job`) as it
would show the live answer, with the time the job was last seen.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from s3batch_tui.core.backends.view import report_manifest_uri
from s3batch_tui.core.store import Store
from s3batch_tui.core.store.mirror import BackendIdentity, JobMirror, MirroredJob

_TIMES = ("CreationTime", "TerminationDate", "SuspendedDate")


def backend_identity(client: Any, account_id: str) -> BackendIdentity:
    """The identity of an `s3control` client's backend (its account, region and endpoint)."""
    return BackendIdentity(account_id, client.meta.region_name, client.meta.endpoint_url)


def _manifest_uri(job: dict[str, Any]) -> str | None:
    location = (job.get("Manifest") or {}).get("Location") or {}
    if location.get("ObjectArn"):
        return location["ObjectArn"]
    generator = (job.get("ManifestGenerator") or {}).get("S3JobManifestGenerator") or {}
    return f"generated from {generator['SourceBucket']}" if generator.get("SourceBucket") else None


def _epoch(value: Any) -> float | None:
    return value.timestamp() if isinstance(value, dt.datetime) else None


def _operation(value: Any) -> str | None:
    """ListJobs names the operation; DescribeJob and CreateJob give its parameters under its name."""
    return next(iter(value), None) if isinstance(value, dict) else value


def listed_row(job: dict[str, Any]) -> dict[str, Any]:
    """A ListJobs `JobListDescriptor` as the mirror's LISTED columns."""
    summary = job.get("ProgressSummary") or {}
    return {"job_id": job["JobId"], "status": job.get("Status", ""), "priority": job.get("Priority"),
            "operation": _operation(job.get("Operation")), "description": job.get("Description"),
            "total_tasks": summary.get("TotalNumberOfTasks"), "succeeded": summary.get("NumberOfTasksSucceeded"),
            "failed": summary.get("NumberOfTasksFailed"), "created_at": _epoch(job.get("CreationTime")),
            "terminated_at": _epoch(job.get("TerminationDate"))}  # fmt: skip


def described_row(job: dict[str, Any]) -> dict[str, Any]:
    """A DescribeJob `Job` as the mirror's DESCRIBED columns (the whole answer kept as JSON)."""
    reasons = "; ".join(f"{r.get('FailureCode')}: {r.get('FailureReason')}" for r in job.get("FailureReasons", []))
    return listed_row(job) | {
        "status_reason": job.get("StatusUpdateReason") or reasons or None,
        "report_location": report_manifest_uri(job["JobId"], job.get("Report")),
        "manifest_location": _manifest_uri(job),
        "described": json.dumps(job, default=lambda v: v.isoformat(), sort_keys=True),
    }


def created_row(job_id: str, request: dict[str, Any]) -> dict[str, Any]:
    """A job just made by CreateJob `request` (boto3's parameters), as S3 Control will first show it."""
    return {"job_id": job_id, "status": "New", "priority": request.get("Priority"),
            "operation": _operation(request.get("Operation")), "description": request.get("Description"),
            "report_location": report_manifest_uri(job_id, request.get("Report")), "manifest_location": _manifest_uri(request),
            "created_at": dt.datetime.now(dt.timezone.utc).timestamp()}  # fmt: skip


def _when(epoch: float | None) -> dt.datetime | None:
    return None if epoch is None else dt.datetime.fromtimestamp(epoch, dt.timezone.utc)


def as_descriptor(job: MirroredJob) -> dict[str, Any]:
    """A mirrored job as a ListJobs `JobListDescriptor` (members it has no value for left out)."""
    summary = {"TotalNumberOfTasks": job.total_tasks, "NumberOfTasksSucceeded": job.succeeded,
               "NumberOfTasksFailed": job.failed}  # fmt: skip
    found = {"JobId": job.job_id, "Description": job.description, "Operation": job.operation,
             "Priority": job.priority, "Status": job.status, "CreationTime": _when(job.created_at),
             "TerminationDate": _when(job.terminated_at),
             "ProgressSummary": {k: v for k, v in summary.items() if v is not None}}  # fmt: skip
    return {k: v for k, v in found.items() if v is not None}


def as_job(job: MirroredJob) -> dict[str, Any]:
    """A mirrored job as DescribeJob's `Job`: the last answer, with what later listings showed on top."""
    described = dict(job.described or {})
    for name in _TIMES:
        if isinstance(described.get(name), str):
            described[name] = dt.datetime.fromisoformat(described[name])
    if described.get("Status") not in (None, job.status):  # the reasons were the earlier status'
        described.pop("StatusUpdateReason", None)
        described.pop("FailureReasons", None)
    listed = as_descriptor(job)
    summary = (described.get("ProgressSummary") or {}) | listed.pop("ProgressSummary", {})
    operation = listed.pop("Operation", None)
    merged = described | listed | ({"ProgressSummary": summary} if summary else {})
    if job.described is None and operation:
        merged["Operation"] = {operation: {}}  # the name is all a listing tells
    if job.status_reason and "StatusUpdateReason" not in merged and not merged.get("FailureReasons"):
        merged["StatusUpdateReason"] = job.status_reason
    return merged


class ControlMirror:
    """The mirror of one S3 Control backend: what `S3ControlBackend` writes through, and reads offline."""

    def __init__(self, store: Store, backend: BackendIdentity) -> None:
        self.jobs = JobMirror(store)
        self.backend = backend

    def listed(self, jobs: list[dict[str, Any]]) -> int:
        """Record a whole ListJobs answer (one transaction; only changed rows rewritten)."""
        return self.jobs.record_listing(self.backend, [listed_row(job) for job in jobs])

    def described(self, job: dict[str, Any]) -> None:
        """Record a DescribeJob answer."""
        self.jobs.record_job(self.backend, described_row(job))

    def created(self, job_id: str, request: dict[str, Any]) -> None:
        """Record a job CreateJob just made (kept as it was if a describe already got there)."""
        self.jobs.record_job(self.backend, created_row(job_id, request), keep_existing=True)

    def list(self) -> list[MirroredJob]:
        """This backend's mirrored jobs, newest first."""
        return self.jobs.list(self.backend)

    def get(self, job_id: str) -> MirroredJob:
        """One mirrored job of this backend (JobNotFound if it was never seen)."""
        return self.jobs.get(job_id, self.backend)
