"""The job's report rows while it runs: two append-only CSV files, checkpointed by length."""

from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path

from s3batch_tui.core.manifest.entry import ManifestEntry
from s3batch_tui.core.operations.base import TaskOutcome

SUCCEEDED = "succeeded"
FAILED = "failed"
STATUSES = (SUCCEEDED, FAILED)
FAILED_TASKS_ONLY = "FailedTasksOnly"


def staging_path(directory: Path, status: str) -> Path:
    """Where the staging file for `status` (`succeeded` or `failed`) lives in `directory`."""
    return directory / f"{status}.csv"


_NEEDS_QUOTES = re.compile('["\r\n]')


def format_row(fields: list[str]) -> bytes:
    """One report row as UTF-8 CSV bytes: RFC 4180 quoting, ending in `\\n`.

    The row is rendered with a `\\r\\n` terminator and then given `\\n`: the csv module
    only quotes the line-terminator characters it is told about, so this way a field
    holding a lone `\\r` is quoted too instead of splitting the row for readers.
    """
    line = ",".join(fields)
    # The usual row has nothing to quote (a lone empty field is quoted, as `""`, by csv).
    if line.count(",") == len(fields) - 1 and not _NEEDS_QUOTES.search(line) and (line or len(fields) > 1):
        return (line + "\n").encode("utf-8", errors="backslashreplace")
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(fields)
    # backslashreplace: a stray surrogate in an error message must not stop the recorder.
    return (buffer.getvalue()[:-2] + "\n").encode("utf-8", errors="backslashreplace")


def row_fields(entry: ManifestEntry, outcome: TaskOutcome) -> list[str]:
    """The 7 report columns for one task, in the order real AWS reports use."""
    return [
        entry.bucket,
        entry.raw_key,
        entry.version_id or "",
        SUCCEEDED if outcome.succeeded else FAILED,
        str(outcome.http_status) if outcome.http_status else "",
        outcome.error_code,
        outcome.message,
    ]


class ReportStaging:
    """`succeeded.csv` and `failed.csv` in a job's staging directory.

    Rows are appended as tasks finish; `flush()` makes them durable and returns the
    files' lengths for the checkpoint; `truncate_to()` drops rows written after that
    checkpoint when a job resumes. With the `FailedTasksOnly` scope successes are not
    written and `succeeded.csv` is never created.

    Not thread-safe, and needs not be: only the engine's recorder thread uses it.

    Attributes:
        directory: the staging directory (created if missing).
        scope: the report scope, `AllTasks` or `FailedTasksOnly`.
    """

    def __init__(self, directory: Path, scope: str = "AllTasks") -> None:
        self.directory = Path(directory)
        self.scope = scope
        self.directory.mkdir(parents=True, exist_ok=True)
        self._kept = (FAILED,) if scope == FAILED_TASKS_ONLY else STATUSES
        self._files = {status: staging_path(self.directory, status).open("ab") for status in self._kept}
        _fsync_directory(self.directory)  # so that a crash cannot lose the new files' names

    @property
    def paths(self) -> dict[str, Path]:
        """The staging files this scope keeps, by task status."""
        return {status: staging_path(self.directory, status) for status in self._kept}

    def append(self, entry: ManifestEntry, outcome: TaskOutcome) -> None:
        """Append the report row of one finished task (successes are skipped for FailedTasksOnly)."""
        status = SUCCEEDED if outcome.succeeded else FAILED
        handle = self._files.get(status)
        if handle is not None:
            handle.write(format_row(row_fields(entry, outcome)))

    def flush(self) -> dict[str, int]:
        """Write buffered rows through to disk (fsync); return each file's length in bytes.

        The lengths, keyed by task status, are what a checkpoint records.
        """
        lengths = {}
        for status, handle in self._files.items():
            handle.flush()
            os.fsync(handle.fileno())
            lengths[status] = os.fstat(handle.fileno()).st_size
        return lengths

    def truncate_to(self, lengths: dict[str, int]) -> None:
        """Cut each file back to a checkpoint's length (a status missing from `lengths`: 0).

        Raises:
            ValueError: a file is shorter than recorded, i.e. checkpointed rows were lost.
        """
        for status, handle in self._files.items():
            handle.flush()
            wanted = lengths.get(status, 0)
            size = os.fstat(handle.fileno()).st_size
            if size < wanted:
                raise ValueError(
                    f"{staging_path(self.directory, status)} holds {size} bytes, fewer than the "
                    f"{wanted} recorded at the last checkpoint: report rows were lost"
                )
            handle.truncate(wanted)  # append mode: later writes still go to the (new) end
            os.fsync(handle.fileno())

    def close(self) -> None:
        """Flush and close both files; closing twice is harmless."""
        if self._files:
            self.flush()
            for handle in self._files.values():
                handle.close()
            self._files = {}

    def __enter__(self) -> ReportStaging:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
