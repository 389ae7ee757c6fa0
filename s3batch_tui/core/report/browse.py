"""Browse a report page by page without holding it: counts, filters, seeks, failed-rows export.

Rows are never all in memory. `ReportBrowser.summary()` makes one streaming pass that
counts rows by status and error code and, on the way, notes where every page of the
common filters starts (everything, each status, each error code, each status and code):
a `Position` is a result file, a byte offset in it and a line number. A later page of
those filters is a seek (a Range GET in S3), not a rescan. Other filters (text) note
their page starts as pages are asked for, and `count()` finishes them in one pass.
Only positions are kept: 1,000,000 rows at 100 a page is 10,000 of them.
"""

from __future__ import annotations

import csv
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import unquote_plus

from s3batch_tui.core.errors import InputError
from s3batch_tui.core.report.positioned import START, Position, row_location, scan_rows
from s3batch_tui.core.report.reader import (
    Report,
    ReportRow,
    ReportSummary,
    ResultFile,
    row_from_fields,
)
from s3batch_tui.core.report.staging import FAILED

DEFAULT_PAGE_SIZE = 100
MAX_INDEXED_CODES = 50  # error codes whose pages the summary pass indexes
MAX_LAZY_INDEXES = 16  # text-filter indexes kept before the oldest is dropped
_STOP_EVERY = 4096  # rows between two looks at the stop callback

Stop = Callable[[], bool]


class ScanStopped(Exception):
    """A scan gave up because its `stop` callback said so (the user moved on)."""




@dataclass(frozen=True, slots=True)
class RowFilter:
    """Which rows to show: all given conditions must hold.

    Attributes:
        status: a TaskStatus (`succeeded`, `failed`), or None for any.
        error_code: an exact error code, or None for any.
        text: words that must all appear (case-insensitive) in the bucket, decoded key,
            version id, error code or message.
    """

    status: str | None = None
    error_code: str | None = None
    text: str = ""

    def matcher(self) -> Callable[[list[str]], bool]:
        """A fast test of one row's 7 CSV fields."""
        status, code, words = self.status, self.error_code, self.text.casefold().split()

        def matches(fields: list[str]) -> bool:
            if (status is not None and fields[3] != status) or (code is not None and fields[5] != code):
                return False
            if not words:
                return True
            key = fields[1]
            if "%" in key or "+" in key:
                key = unquote_plus(key)
            haystack = f"{fields[0]} {key} {fields[2]} {fields[5]} {fields[6]}".casefold()
            return words[0] in haystack and all(word in haystack for word in words[1:])

        return matches

    def skips(self, result: ResultFile) -> bool:
        """Whether a whole results file holds no row of the wanted status (the manifest says so)."""
        return self.status is not None and result.status is not None and result.status != self.status


@dataclass(frozen=True)
class ReportPage:
    """One page of matching rows.

    Attributes:
        rows: the rows of the page, in report order.
        number: the page number (from 0); past the last page, the last page is returned.
        page_size: rows per page.
        total_matching: rows matching the filter, once known (None while not yet counted).
        has_next: whether another page follows (while the filter is not yet counted:
            whether this page is full).
    """

    rows: list[ReportRow]
    number: int
    page_size: int
    total_matching: int | None
    has_next: bool

    @property
    def first_row(self) -> int:
        """The 0-based rank, among matching rows, of this page's first row."""
        return self.number * self.page_size

    @property
    def page_count(self) -> int | None:
        """How many pages the filter has (at least 1), once the total is known."""
        if self.total_matching is None:
            return None
        return max(1, -(-self.total_matching // self.page_size))


@dataclass
class _PageIndex:
    """Where each page of one filter starts, as far as the rows have been read.

    `frontier` is the next row to examine and `matched` the matching rows before it.
    """

    page_size: int
    starts: list[Position] = field(default_factory=list)
    matched: int = 0
    frontier: Position = START
    complete: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, position: Position) -> None:
        """Count a matching row at `position` (a page starts at every page_size-th)."""
        if self.matched % self.page_size == 0 and len(self.starts) == self.matched // self.page_size:
            self.starts.append(position)
        self.matched += 1


class ReportBrowser:
    """Pages, filters and counts over one report; safe to use from several threads.

    Args:
        report: an opened report (`open_report`).
        page_size: rows per page.
    """

    def __init__(self, report: Report, page_size: int = DEFAULT_PAGE_SIZE) -> None:
        self.report = report
        self.page_size = page_size
        self._summary: ReportSummary | None = None
        self._indexes: dict[tuple[RowFilter, int], _PageIndex] = {}
        self._lazy: list[tuple[RowFilter, int]] = []
        self._lock = threading.Lock()

    def summary(self, stop: Stop | None = None) -> ReportSummary:
        """Counts by status and error code (one streaming pass, then cached).

        The same pass indexes the pages of the common filters, so they seek afterwards.

        Raises:
            InputError: a malformed row or an unreadable file, naming the file and line.
            ScanStopped: `stop()` returned True.
        """
        if self._summary is not None:
            return self._summary
        summary = ReportSummary()
        everything = _PageIndex(self.page_size)
        by_status: dict[str, _PageIndex] = {}
        by_code: dict[str, _PageIndex] = {}
        by_both: dict[tuple[str, str], _PageIndex] = {}
        for position, fields in scan_rows(self.report, START):
            if stop is not None and summary.total % _STOP_EVERY == 0 and stop():
                raise ScanStopped
            status, code = fields[3], fields[5]
            summary.total += 1
            summary.by_status[status] += 1
            everything.note(position)
            if (index := by_status.get(status)) is None:
                index = by_status[status] = _PageIndex(self.page_size)
            index.note(position)
            if code:
                summary.by_error_code[code] += 1
                if (index := by_code.get(code)) is None and len(by_code) < MAX_INDEXED_CODES:
                    index = by_code[code] = _PageIndex(self.page_size)
                if index is not None:
                    index.note(position)
                    if (index := by_both.get((status, code))) is None:
                        index = by_both[status, code] = _PageIndex(self.page_size)
                    index.note(position)
        indexes = {RowFilter(): everything}
        indexes |= {RowFilter(status): index for status, index in by_status.items()}
        indexes |= {RowFilter(error_code=code): index for code, index in by_code.items()}
        indexes |= {RowFilter(status, code): index for (status, code), index in by_both.items()}
        with self._lock:
            for wanted, index in indexes.items():
                index.complete = True
                self._indexes[(wanted, self.page_size)] = index
            self._lazy = [key for key in self._lazy if key[0] not in indexes or key[1] != self.page_size]
            self._summary = summary
        return summary

    def page(self, row_filter: RowFilter, page_number: int, page_size: int | None = None,
             stop: Stop | None = None) -> ReportPage:  # fmt: skip
        """Page `page_number` (from 0) of the rows matching `row_filter`.

        Reading page N reads the rows from the last known page start to the end of
        page N; pages already seen (or indexed by `summary()`) are a seek. Until the
        filter is counted, `has_next` is True when the page is full (the matches may
        end right there; asking for the next page then returns this one again).

        Raises:
            InputError: a malformed row or an unreadable file.
            ScanStopped: `stop()` returned True.
        """
        size = page_size or self.page_size
        index = self._index(row_filter, size)
        number = max(page_number, 0)
        with index.lock:
            self._advance(index, row_filter, number + 1, stop)
            starts, complete, matched = list(index.starts), index.complete, index.matched
        if not starts:
            return ReportPage([], 0, size, 0, False)
        number = min(number, len(starts) - 1)
        rows = self._read(row_filter, starts[number], size)
        has_next = number + 1 < len(starts) or (not complete and len(rows) == size)
        return ReportPage(rows, number, size, matched if complete else None, has_next)

    def count(self, row_filter: RowFilter, stop: Stop | None = None) -> int:
        """How many rows match (reads what is not yet indexed; later pages then seek).

        Raises:
            InputError: a malformed row or an unreadable file.
            ScanStopped: `stop()` returned True.
        """
        if row_filter == RowFilter() and self._summary is not None:
            return self._summary.total
        index = self._index(row_filter, self.page_size)
        with index.lock:
            self._advance(index, row_filter, None, stop)
            return index.matched

    def export_failed(self, destination: Path, row_filter: RowFilter | None = None) -> int:
        """`export_failed_manifest` of this browser's report."""
        return export_failed_manifest(self.report, destination, row_filter)

    def _index(self, row_filter: RowFilter, size: int) -> _PageIndex:
        key = (row_filter, size)
        with self._lock:
            index = self._indexes.get(key)
            if index is None:
                index = self._indexes[key] = _PageIndex(size)
                self._lazy.append(key)
                if len(self._lazy) > MAX_LAZY_INDEXES:
                    self._indexes.pop(self._lazy.pop(0), None)
            return index

    def _advance(self, index: _PageIndex, row_filter: RowFilter, pages: int | None, stop: Stop | None) -> None:
        """Read on from the index's frontier until it knows `pages` page starts (None: all)."""
        if index.complete or (pages is not None and len(index.starts) >= pages):
            return
        matches = row_filter.matcher()
        seen = 0
        for position, fields in scan_rows(self.report, index.frontier, row_filter.skips):
            seen += 1
            if stop is not None and seen % _STOP_EVERY == 0 and stop():
                index.frontier = position
                raise ScanStopped
            if matches(fields):
                index.note(position)
                if pages is not None and len(index.starts) >= pages:
                    index.frontier = position  # not counted yet: note() keeps it from starting a page twice
                    index.matched -= 1
                    return
        index.complete = True

    def _read(self, row_filter: RowFilter, start: Position, size: int) -> list[ReportRow]:
        matches = row_filter.matcher()
        rows: list[ReportRow] = []
        for position, fields in scan_rows(self.report, start, row_filter.skips):
            if matches(fields):
                rows.append(row_from_fields(fields, row_location(self.report, position)))
                if len(rows) == size:
                    break
        return rows


def export_failed_manifest(report: Report, destination: Path, row_filter: RowFilter | None = None) -> int:
    """Write the failed rows (those matching `row_filter`, if given) as a CSV manifest.

    Rows are `bucket,key[,versionId]`, keys exactly as the report has them (URL-encoded,
    as the original manifest had them), so the file is a valid
    `S3BatchOperations_CSV_20180820` manifest for a new job. The file appears whole
    (written under a temporary name, then renamed) and only when there is a row to write.

    Returns:
        the number of rows written.

    Raises:
        InputError: no failed row matches; rows with and without version ids mixed
            (a manifest allows either, not both); a malformed report.
    """
    wanted = replace(row_filter or RowFilter(), status=FAILED)
    matches = wanted.matcher()
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    temporary = destination.with_name(f".{destination.name}.{os.getpid()}.tmp")
    written, versioned = 0, None
    try:
        with temporary.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out, lineterminator="\n")
            for position, fields in scan_rows(report, START, wanted.skips):
                if not matches(fields):
                    continue
                if versioned is None:
                    versioned = bool(fields[2])
                elif bool(fields[2]) != versioned:
                    raise InputError("some failed rows have a version id and some do not; a manifest "
                                     "needs them on every row or on none", row_location(report, position))  # fmt: skip
                writer.writerow(fields[:3] if versioned else fields[:2])
                written += 1
        if not written:
            raise InputError("no failed rows" + (" match the filter" if row_filter else ""), report.location)
        os.replace(temporary, destination)
    finally:
        temporary.unlink(missing_ok=True)
    return written


def default_export_name(location: str) -> str:
    """`failed-{job id}.csv` for our and AWS's `job-{id}/` reports, else after the file's name."""
    found = re.search(r"job-([0-9A-Za-z][0-9A-Za-z_-]*)", location)
    stem = found.group(1) if found else Path(location.rstrip("/")).stem or "report"
    return f"failed-{stem}.csv"
