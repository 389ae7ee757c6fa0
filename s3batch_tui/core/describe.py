"""A job as AWS `DescribeJob` shows it, plus our local extras under `Local`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from s3batch_tui.core.store import JobRecord, Store


def iso(timestamp: float | None) -> str | None:
    """Seconds since the epoch → ISO-8601 UTC, as the AWS CLI prints times."""
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def progress_summary(record: JobRecord) -> dict[str, Any]:
    """`ProgressSummary` with `Timers`."""
    summary: dict[str, Any] = {
        "NumberOfTasksSucceeded": record.succeeded,
        "NumberOfTasksFailed": record.failed,
        "Timers": {"ElapsedTimeInActiveSeconds": int(record.active_seconds)},
    }
    if record.total_tasks is not None:
        summary = {"TotalNumberOfTasks": record.total_tasks} | summary
    return summary


def describe_job(record: JobRecord, store: Store | None = None) -> dict[str, Any]:
    """`{"Job": {...}}` as `aws s3control describe-job` prints it (DescribeJob shape)."""
    spec = record.spec.to_json_dict()
    job: dict[str, Any] = {
        "JobId": record.id,
        "ConfirmationRequired": bool(record.spec.confirmation_required),
        "Description": record.description,
        "Status": record.status.value,
        "Manifest": spec.get("Manifest"),
        "ManifestGenerator": spec.get("ManifestGenerator"),
        "Operation": spec["Operation"],
        "Priority": record.priority,
        "ProgressSummary": progress_summary(record),
        "StatusUpdateReason": record.status_reason,
        "FailureReasons": record.failure_reasons,
        "Report": spec["Report"],
        "CreationTime": iso(record.created_at),
        "TerminationDate": iso(record.terminated_at),
        "RoleArn": spec.get("RoleArn"),
    }
    local: dict[str, Any] = {
        "ReportLocation": record.report_location,
        "ManifestIdentity": record.manifest_identity,
        "SkippedManifestRows": record.skipped_rows,
        "LocalOptions": spec.get("LocalOptions"),
        "Runtime": record.runtime,  # while a runner has it: EffectiveRate, RateCeiling, RateCuts, Outages
    }
    if store is not None:
        local["StatusHistory"] = [
            {"Status": status.value, "Time": iso(at), "Reason": reason} for status, at, reason in store.history(record.id)
        ]
        local["FailedTasksByErrorCode"] = store.error_counts(record.id)
    job["Local"] = {k: v for k, v in local.items() if v not in (None, {}, [])}
    return {"Job": {k: v for k, v in job.items() if v is not None}}
