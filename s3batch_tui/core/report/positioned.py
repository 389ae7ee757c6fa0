"""Report rows with where each starts (result file, byte offset, line), read from any such place.

The browser pages by these positions: reading resumes at a byte offset (a seek
locally, a Range GET in S3) instead of rereading from the top.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from contextlib import closing
from typing import IO, NamedTuple

from s3batch_tui.core.errors import InputError
from s3batch_tui.core.report.reader import COLUMNS, Report, ResultFile, open_result, row_from_fields

_CHUNK = 1024 * 1024


class Position(NamedTuple):
    """Where a row starts: index of its result file, byte offset in it, line number (from 1)."""

    file: int
    offset: int
    line: int


START = Position(0, 0, 1)


def scan_rows(report: Report, start: Position, skip: Callable[[ResultFile], bool] | None = None,
          ) -> Iterator[tuple[Position, list[str]]]:  # fmt: skip
    """Every row from `start` on: its position and its 7 fields (validated)."""
    for number in range(start.file, len(report.results)):
        result = report.results[number]
        if skip is not None and skip(result):
            continue
        offset, line = (start.offset, start.line) if number == start.file else (0, 1)
        with closing(open_result(result.location, report.s3_client, offset)) as raw:
            for at, at_line, record in _records(raw, offset, line, result.location):
                yield Position(number, at, at_line), _fields(record, result.location, at_line)


def _records(raw: IO[bytes], offset: int, line: int, where: str) -> Iterator[tuple[int, int, bytes]]:
    """(offset, line, bytes) of each CSV record from `offset`; blank lines are skipped.

    A record ends at a newline outside quotes: with RFC 4180's doubled quotes, that is
    a newline after an even number of `"` in the record.
    """
    start, start_line, position = offset, line, offset
    pending: list[bytes] = []  # lines of a record whose quoted field spans newlines
    in_quotes = False
    tail = b""
    while True:
        chunk = raw.read(_CHUNK)
        pieces = (tail + chunk).split(b"\n")
        tail = pieces.pop() if chunk else b""
        for piece in pieces:
            position += len(piece) + 1
            line += 1
            if b'"' in piece and piece.count(b'"') % 2:
                in_quotes = not in_quotes
            if in_quotes:
                pending.append(piece)
                continue
            if pending:
                pending.append(piece)
                piece, pending = b"\n".join(pending), []
            if piece.endswith(b"\r"):
                piece = piece[:-1]
            if piece:
                yield start, start_line, piece
            start, start_line = position, line
        if not chunk:
            break
    if in_quotes:
        raise InputError("malformed CSV: a quoted field is never closed", f"{where} line {start_line}")


def _fields(record: bytes, where: str, line: int) -> list[str]:
    try:
        text = record.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", f"{where} line {line}") from None
    if '"' in text:
        try:
            fields = next(csv.reader([text], strict=True))
        except csv.Error as exc:
            raise InputError(f"malformed CSV: {exc}", f"{where} line {line}") from None
    else:
        fields = text.split(",")
    http = fields[4] if len(fields) == COLUMNS else ""
    if len(fields) != COLUMNS or (http and not (http.isascii() and http.isdigit())):
        row_from_fields(fields, f"{where} line {line}")  # raises, saying what is wrong
    return fields


def row_location(report: Report, position: Position) -> str:
    """`file line N` of the row at `position`, for errors."""
    return f"{report.results[position.file].location} line {position.line}"
