"""The live jobs table: rows keyed by job id, changed cell by cell, never rebuilt needlessly."""

from __future__ import annotations

import time
from dataclasses import dataclass

from rich.text import Text
from textual.widgets import DataTable

from s3batch_tui.core.formatting import eta_seconds, format_compact, format_duration
from s3batch_tui.core.status import JobStatus
from s3batch_tui.core.store import JobRecord

S = JobStatus
COLUMNS = (
    ("id", "ID"), ("description", "Description"), ("operation", "Operation"), ("status", "Status"),
    ("progress", "Progress"), ("counts", "OK/Failed/Total"), ("rate", "Rate · ETA"), ("priority", "Pri"),
    ("created", "Created"),
)  # fmt: skip
BAR_WIDTH = 8

# Theme variable per status: the colours come from the active theme.
STATUS_COLOURS = {
    S.COMPLETE: "success", S.FAILED: "error", S.FAILING: "error", S.CANCELLED: "warning",
    S.CANCELLING: "warning", S.PAUSED: "warning", S.PAUSING: "warning", S.SUSPENDED: "accent",
    S.ACTIVE: "primary", S.PREPARING: "primary", S.COMPLETING: "primary",
}  # fmt: skip
SORTS = ("newest", "status", "priority", "progress")
OPERATION_NAMES = {
    "S3PutObjectTagging": "Tag", "S3DeleteObjectTagging": "Delete tags", "S3PutObjectCopy": "Copy",
    "S3PutObjectAcl": "Set ACL", "S3InitiateRestoreObject": "Restore", "LambdaInvoke": "Lambda",
    "S3PutObjectLegalHold": "Legal hold", "S3PutObjectRetention": "Retention",
    "S3ComputeObjectChecksum": "Checksum", "LocalDeleteObject": "DELETE",
    "S3ReplicateObject": "Replicate", "S3UpdateObjectEncryption": "Encryption",
}  # fmt: skip


def progress_bar(done: int, total: int | None, width: int = BAR_WIDTH) -> str:
    """`██████░░░░░░  50%` (or blank while the total is unknown)."""
    if not total:
        return " " * (width + 5) if total is None else "░" * width + " 100%"
    fraction = min(done / total, 1.0)
    filled = int(fraction * width)
    return "█" * filled + "░" * (width - filled) + f" {fraction:4.0%}"


@dataclass(frozen=True)
class JobRow:
    """What one row shows; compared cell by cell to update only what changed."""

    id: str
    description: str
    operation: str
    status: Text
    progress: str
    counts: str
    rate: str
    priority: str
    created: str


def job_row(record: JobRecord, rate: float, marked: bool, colours: dict[str, str]) -> JobRow:
    """The row for one job."""
    done = record.succeeded + record.failed
    running = record.status in (S.ACTIVE, S.PREPARING, S.COMPLETING)
    colour = colours.get(STATUS_COLOURS.get(record.status, "foreground"), "")
    return JobRow(
        id=("● " if marked else "  ") + record.id[:8],
        description=_clip(record.description or "", 20),
        operation=OPERATION_NAMES.get(record.operation, record.operation),
        status=Text(record.status.value, style=f"bold {colour}" if colour else "bold"),
        progress=progress_bar(done, record.total_tasks),
        counts=f"{format_compact(record.succeeded)}/{format_compact(record.failed)}/{format_compact(record.total_tasks)}",
        rate=_rate_cell(record, rate, done) if running else "",
        priority=str(record.priority),
        created=time.strftime("%m-%d %H:%M", time.localtime(record.created_at)),
    )


def _rate_cell(record: JobRecord, rate: float, done: int) -> str:
    """Tasks per second and ETA; "unreachable" during an outage; ⇣ while SlowDown holds the rate down."""
    runtime = record.runtime or {}
    if "OutageSeconds" in runtime:
        return f"unreachable {format_duration(runtime['OutageSeconds'])}"
    if rate <= 0:
        return ""
    lowered = "⇣" if runtime.get("RateCuts") and (record.status_reason or "").startswith("rate lowered") else ""
    return f"{rate:,.0f}/s{lowered} {format_duration(eta_seconds(record.total_tasks, done, rate))}"


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def sort_records(records: list[JobRecord], sort: str) -> list[JobRecord]:
    """Records in the order of the chosen sort (newest first within ties)."""
    newest = sorted(records, key=lambda r: (-r.created_at, r.id))
    if sort == "status":
        return sorted(newest, key=lambda r: (r.status.is_terminal, r.status.value))
    if sort == "priority":
        return sorted(newest, key=lambda r: -r.priority)
    if sort == "progress":
        return sorted(newest, key=lambda r: -((r.succeeded + r.failed) / r.total_tasks if r.total_tasks else 0))
    return newest


def matches(record: JobRecord, text: str) -> bool:
    """Whether a job matches the filter text (id, description, operation or status)."""
    needle = text.casefold()
    haystack = f"{record.id} {record.description or ''} {record.operation} {record.status.value}".casefold()
    return all(word in haystack for word in needle.split())


class JobTable(DataTable):
    """Every job, one row each; `show()` updates it in place."""

    DEFAULT_CSS = """
    JobTable { height: 1fr; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self._rows: dict[str, JobRow] = {}

    def on_mount(self) -> None:
        for key, label in COLUMNS:
            self.add_column(label, key=key)

    @property
    def selected_job(self) -> str | None:
        """The full id of the job under the cursor."""
        if not self.row_count:
            return None
        return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value

    def show(self, rows: list[tuple[str, JobRow]]) -> None:
        """Make the table show exactly these rows, in this order."""
        order = [job_id for job_id, _ in rows]
        if order != list(self._rows):
            selected = self.selected_job
            self.clear()
            for job_id, row in rows:
                self.add_row(*(getattr(row, key) for key, _ in COLUMNS), key=job_id)
            self._rows = dict(rows)
            if selected in self._rows:
                self.move_cursor(row=order.index(selected))
            return
        for job_id, row in rows:
            old = self._rows[job_id]
            if old == row:
                continue
            for key, _ in COLUMNS:
                value = getattr(row, key)
                if getattr(old, key) != value:
                    self.update_cell(job_id, key, value, update_width=True)
            self._rows[job_id] = row
