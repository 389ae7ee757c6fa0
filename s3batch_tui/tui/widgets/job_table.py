"""The live jobs table: rows keyed by job id, changed cell by cell, never rebuilt needlessly.

Columns fit the width: the description takes what the fixed columns leave, and on a
narrow terminal the least useful columns (created, operation, rate) go first.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from rich.text import Text
from textual.widgets import DataTable

from s3batch_tui.core.formatting import eta_seconds, format_compact, format_duration
from s3batch_tui.core.status import JobStatus
from s3batch_tui.core.store import JobRecord

S = JobStatus
LABELS = {
    "id": "ID", "description": "Description", "operation": "Operation", "status": "Status",
    "progress": "Progress", "counts": "OK/Failed/Total", "rate": "Rate · ETA", "priority": "Pri",
    "created": "Created",
}  # fmt: skip
WIDTHS = {"id": 10, "operation": 11, "status": 10, "progress": 13, "counts": 15, "rate": 13, "priority": 5,
          "created": 11}  # fmt: skip
ESSENTIAL = ("id", "description", "status", "progress", "counts")
OPTIONAL = ("priority", "rate", "operation", "created")
"""Shown when the width allows, in this order (the last one is the first to go)."""
ORDER = ("id", "description", "operation", "status", "progress", "counts", "rate", "priority", "created")
MIN_DESCRIPTION = 16
CELL_PADDING = 2
BAR_WIDTH = 8

# Theme variable per status: the colours come from the active theme.
STATUS_COLOURS = {
    S.COMPLETE: "success", S.FAILED: "error", S.FAILING: "error", S.CANCELLED: "warning",
    S.CANCELLING: "warning", S.PAUSED: "warning", S.PAUSING: "warning", S.SUSPENDED: "accent",
    S.ACTIVE: "primary", S.PREPARING: "primary", S.COMPLETING: "primary",
}  # fmt: skip
SORTS = ("newest", "status", "priority", "progress")
SORT_COLUMN = {"newest": "created", "status": "status", "priority": "priority", "progress": "progress"}
STATUS_ORDER = (S.FAILED, S.FAILING, S.SUSPENDED, S.PAUSED, S.PAUSING, S.ACTIVE, S.PREPARING, S.COMPLETING,
                S.CANCELLING, S.READY, S.NEW, S.COMPLETE, S.CANCELLED)  # fmt: skip
"""The status sort: what needs the user first (failed, waiting for confirmation, paused), finished last."""
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


def status_colour(record: JobRecord) -> str:
    """The theme variable of a job's status; a Complete job with failed tasks is not a plain success."""
    if record.status == S.COMPLETE and record.failed:
        return "warning"
    return STATUS_COLOURS.get(record.status, "foreground")


def status_label(record: JobRecord) -> str:
    """`Complete` or, with failed tasks, `Complete ⚠`."""
    return f"{record.status.value} ⚠" if record.status == S.COMPLETE and record.failed else record.status.value


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
    colour = colours.get(status_colour(record), "")
    return JobRow(
        id=("● " if marked else "  ") + record.id[:8],
        description=record.description or "",
        operation=OPERATION_NAMES.get(record.operation, record.operation),
        status=Text(status_label(record), style=f"bold {colour}" if colour else "bold"),
        progress=progress_bar(done, record.total_tasks),
        counts=f"{format_compact(record.succeeded)}/{format_compact(record.failed)}/{format_compact(record.total_tasks)}",
        rate=_rate_cell(record, rate, done) if record.status == S.ACTIVE else "",
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


def clip(text: str, width: int) -> str:
    """`text` cut to `width` cells with `…`."""
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def sort_records(records: list[JobRecord], sort: str) -> list[JobRecord]:
    """Records in the order of the chosen sort (newest first within ties)."""
    newest = sorted(records, key=lambda r: (-r.created_at, r.id))
    if sort == "status":
        return sorted(newest, key=lambda r: STATUS_ORDER.index(r.status))
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


def layout(width: int) -> dict[str, int]:
    """The columns shown at `width` cells and their widths; the description takes the rest."""
    shown = list(ESSENTIAL)

    def description_width(columns: list[str]) -> int:
        fixed = sum(WIDTHS[c] for c in columns if c != "description")
        return width - fixed - CELL_PADDING * len(columns) - 2  # 2: the vertical scrollbar

    for column in OPTIONAL:
        if description_width([*shown, column]) >= MIN_DESCRIPTION:
            shown.append(column)
    widths = {c: WIDTHS.get(c, 0) for c in ORDER if c in shown}
    widths["description"] = max(description_width(shown), 8)
    return widths


class JobTable(DataTable):
    """Every job, one row each; `show()` updates it in place."""

    DEFAULT_CSS = """
    JobTable { height: 1fr; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self._rows: dict[str, JobRow] = {}
        self.widths: dict[str, int] = {}
        self.sort = SORTS[0]

    @property
    def selected_job(self) -> str | None:
        """The full id of the job under the cursor."""
        if not self.row_count:
            return None
        return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value

    def select(self, job_id: str) -> bool:
        """Put the cursor on a job's row; False when the table does not show it."""
        if job_id not in self._rows:
            return False
        self.move_cursor(row=list(self._rows).index(job_id))
        return True

    def _cells(self, row: JobRow) -> list:
        return [self._cell(key, getattr(row, key)) for key in self.widths]

    def _cell(self, key: str, value):
        return clip(value, self.widths[key]) if key == "description" else value

    def _header(self, key: str) -> str:
        return LABELS[key] + (" ▼" if SORT_COLUMN[self.sort] == key else "")

    def show(self, rows: list[tuple[str, JobRow]], sort: str | None = None) -> None:
        """Make the table show exactly these rows, in this order (sorted by `sort`)."""
        widths = layout(self.size.width or 120)
        if widths != self.widths or (sort and sort != self.sort):
            self.sort = sort or self.sort
            self.widths = widths
            self._rebuild(rows, columns=True)
            return
        order = [job_id for job_id, _ in rows]
        if order != list(self._rows):
            self._rebuild(rows)
            return
        for job_id, row in rows:
            old = self._rows[job_id]
            if old == row:
                continue
            for key in self.widths:
                value = getattr(row, key)
                if getattr(old, key) != value:
                    self.update_cell(job_id, key, self._cell(key, value))
            self._rows[job_id] = row

    def _rebuild(self, rows: list[tuple[str, JobRow]], columns: bool = False) -> None:
        selected = self.selected_job
        self.clear(columns=columns)
        if columns:
            for key, width in self.widths.items():
                self.add_column(self._header(key), key=key, width=width)
        for job_id, row in rows:
            self.add_row(*self._cells(row), key=job_id)
        self._rows = dict(rows)
        if selected in self._rows:
            self.move_cursor(row=list(self._rows).index(selected))

    def on_resize(self) -> None:
        if layout(self.size.width) != self.widths:
            self.show(list(self._rows.items()))
