"""The two reports of a handed-over job: the local one (tasks that ran here) and the AWS job's (the rest)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from s3batch_tui.core.handover.record import HandoverRecord

ENDED = ("Complete", "Failed", "Cancelled")


@dataclass(frozen=True)
class ReportPart:
    """One job's share of the work and where its report is.

    Attributes:
        label: which job, in words ("local job …", "AWS job … on …").
        location: its report's manifest.json (None: none to read, see `note`).
        note: why there is nothing to read yet (the AWS job still runs, no report).
    """

    label: str
    location: str | None
    note: str | None = None


def aws_part(record: HandoverRecord, backend: Any) -> ReportPart:
    """The AWS job's part, found through the backend's DescribeJob and report location."""
    label = f"AWS job {record.aws_job_id} on {record.backend} (the {record.remaining:,} entries handed over)"
    job = backend.describe(record.aws_job_id)
    if job.get("Status") not in ENDED:
        return ReportPart(label, None, f"it is {job.get('Status')}: its report is written when it ends")
    location = backend.report_location(record.aws_job_id)
    return ReportPart(label, location, None if location else "it has no report (Report.Enabled is false)")
