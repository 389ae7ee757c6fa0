"""A job as AWS `DescribeJob` and `ListJobs` show it, plus our local extras under `Local`.

The keys are exactly the model's `JobDescriptor` / `JobListDescriptor` members (a test
checks the output against botocore's shapes); `Local` is ours, and `serve` drops it.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

from s3batch_tui.core.lean.choice import request_path
from s3batch_tui.core.spec import S3_ARN_PREFIX, is_local_uri
from s3batch_tui.core.spec.model_check import s3control_model
from s3batch_tui.core.status import JobStatus
from s3batch_tui.core.store import JobRecord, Store

DEFAULT_ACCOUNT_ID = "000000000000"
DEFAULT_REGION = "us-east-1"
REASON_LIMIT = 256  # FailureReason and StatusUpdateReason: the model's maximum length
SUSPENDED_CAUSE = "The job requires confirmation before it runs (ConfirmationRequired)"


def iso(timestamp: float | None) -> str | None:
    """Seconds since the epoch → ISO-8601 UTC, as the AWS CLI prints times."""
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def cap(text: str | None, limit: int = REASON_LIMIT) -> str | None:
    """`text` cut to `limit` characters (an ellipsis marks the cut); None and "" give None."""
    if not text:
        return None
    return text if len(text) <= limit else text[: limit - 1] + "…"


def job_arn(record: JobRecord, region: str | None = None, account_id: str | None = None) -> str:
    """`arn:aws:s3:{region}:{account}:job/{id}`: the job's AccountId, else `account_id`, else zeros."""
    region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
    account = record.spec.account_id or account_id or DEFAULT_ACCOUNT_ID
    return f"arn:aws:s3:{region}:{account}:job/{record.id}"


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


def generated_manifest_descriptor(record: JobRecord) -> dict[str, Any] | None:
    """`GeneratedManifestDescriptor`: where a ManifestGenerator job wrote its manifest, if it did."""
    identity = record.manifest_identity or {}
    location = identity.get("manifest_output")
    if not location or not identity.get("manifest_output_etag"):
        return None
    if location.startswith("s3://"):
        location = S3_ARN_PREFIX + location.removeprefix("s3://")
    elif not is_local_uri(location):
        return None
    return {
        "Format": "S3InventoryReport_CSV_20211130",
        "Location": {"ObjectArn": location, "ETag": identity["manifest_output_etag"]},
    }


def describe_job(
    record: JobRecord, store: Store | None = None, *, region: str | None = None, account_id: str | None = None
) -> dict[str, Any]:
    """`{"Job": {...}}` as `aws s3control describe-job` prints it (DescribeJob shape).

    Args:
        store: adds the status history and failure counts under `Local`.
        region, account_id: for `JobArn` when the job names no AccountId.
    """
    spec = record.spec.to_json_dict()
    failures = [
        {"FailureCode": r["FailureCode"][:64], "FailureReason": cap(r.get("FailureReason")) or r["FailureCode"][:64]}
        for r in record.failure_reasons
    ]
    job: dict[str, Any] = {
        "JobId": record.id,
        "ConfirmationRequired": bool(record.spec.confirmation_required),
        "Description": record.description or None,
        "JobArn": job_arn(record, region, account_id),
        "Status": record.status.value,
        "Manifest": spec.get("Manifest"),
        "Operation": spec["Operation"],
        "Priority": record.priority,
        "ProgressSummary": progress_summary(record),
        "StatusUpdateReason": cap(record.status_reason),
        "FailureReasons": failures or None,
        "Report": spec["Report"],
        "CreationTime": iso(record.created_at),
        "TerminationDate": iso(record.terminated_at),
        "RoleArn": spec.get("RoleArn"),
        "SuspendedDate": iso(record.suspended_at),
        "SuspendedCause": SUSPENDED_CAUSE if record.suspended_at is not None else None,
        "ManifestGenerator": spec.get("ManifestGenerator"),
        "GeneratedManifestDescriptor": generated_manifest_descriptor(record),
    }
    local: dict[str, Any] = {
        "ReportLocation": record.report_location,
        "ManifestIdentity": record.manifest_identity,
        "SkippedManifestRows": record.skipped_rows,
        "LocalOptions": spec.get("LocalOptions"),
        "StatusUpdateReason": record.status_reason if cap(record.status_reason) != record.status_reason else None,
        "RequestPath": request_path(record.operation, record.spec.options),
        "Runtime": record.runtime,  # while a runner has it: EffectiveRate, RateCeiling, RateCuts, Outages
    }
    if store is not None:
        local["StatusHistory"] = [
            {"Status": status.value, "Time": iso(at), "Reason": reason} for status, at, reason in store.history(record.id)
        ]
        local["FailedTasksByErrorCode"] = store.error_counts(record.id)
    job["Local"] = {k: v for k, v in local.items() if v not in (None, {}, [])}
    return {"Job": {k: v for k, v in job.items() if v is not None}}


def list_item(record: JobRecord, *, region: str | None = None, account_id: str | None = None) -> dict[str, Any]:
    """A `JobListDescriptor`, as `aws s3control list-jobs` prints it: the describe output cut
    to the members the model lists (the list carries the operation's name, not its parameters)."""
    job = describe_job(record, region=region, account_id=account_id)["Job"] | {"Operation": record.operation}
    members = s3control_model().shape_for("JobListDescriptor").members
    return {name: job[name] for name in members if name in job}


def list_jobs(store: Store, statuses: list[JobStatus] | None = None) -> list[dict[str, Any]]:
    """`ListJobs`' `Jobs`, newest first, only the given statuses when some are given."""
    return [list_item(r) for r in store.list() if not statuses or r.status in statuses]
