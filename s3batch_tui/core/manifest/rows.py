"""Row-level parsing shared by the CSV and inventory readers: lines, fields, keys, buckets.

Every check raises ManifestError whose `where` is `<file> line L column C` (both
1-based). Columns count characters of the decoded line, except for invalid UTF-8,
where the line cannot be decoded and the column counts bytes.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from typing import NamedTuple
from urllib.parse import unquote_to_bytes

from s3batch_tui.core.clip import clip_repr
from s3batch_tui.core.errors import ManifestError

# Far above any legal row (3 × 1,024-byte encoded key + bucket + version id) yet small
# enough that a file without newlines cannot make us buffer it whole.
MAX_LINE_BYTES = 64 * 1024
MAX_KEY_BYTES = 1024
_HEX = frozenset("0123456789abcdefABCDEF")
_BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_IP_ADDRESS = re.compile(r"\d+\.\d+\.\d+\.\d+")


def at(name: str, line: int, column: int) -> str:
    """The `where` of an error: `<name> line L column C`."""
    return f"{name} line {line} column {column}"


class Line(NamedTuple):
    """One line of a stream: 1-based number, byte offset of its start, bytes without `\\n`."""

    number: int
    offset: int
    data: bytes


def split_lines(chunks: Iterable[bytes], name: str, *, offset: int = 0, first_line: int = 1) -> Iterator[Line]:
    """Split a chunked byte stream on `\\n`, keeping exact byte offsets.

    A single newline at the very end ends the last line (no empty line follows it).

    Raises:
        ManifestError: a line longer than MAX_LINE_BYTES.
    """
    number = first_line
    pending = b""
    for chunk in chunks:
        pending += chunk
        start = 0
        while (end := pending.find(b"\n", start)) >= 0:
            yield Line(number, offset + start, pending[start:end])
            number += 1
            start = end + 1
        pending = pending[start:]
        offset += start
        if len(pending) > MAX_LINE_BYTES:
            raise ManifestError(f"line longer than {MAX_LINE_BYTES:,} bytes: is this a CSV file?", at(name, number, 1))
    if pending:
        yield Line(number, offset, pending)


def decode_line(line: Line, name: str) -> str:
    """The line as text, without a trailing `\\r` (CRLF files are accepted).

    Raises:
        ManifestError: invalid UTF-8 (the column is a byte column) or a blank line.
    """
    data = line.data[:-1] if line.data.endswith(b"\r") else line.data
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = data[exc.start : exc.start + 1].hex()
        raise ManifestError(
            f"invalid UTF-8 (byte 0x{bad} at byte column {exc.start + 1}): manifests must be UTF-8",
            at(name, line.number, exc.start + 1),
        ) from None
    if not text:
        raise ManifestError(
            "blank line: every line must be a row (only one newline may end the file)", at(name, line.number, 1)
        )
    return text


class Field(NamedTuple):
    """One CSV field: the 1-based column where it starts, and its (unquoted) value."""

    column: int
    value: str


def split_fields(text: str, name: str, line: int) -> list[Field]:
    """Split one CSV line into fields; RFC 4180 quoted fields (`"a,b"`, `""`) are accepted.

    Done by hand rather than with the csv module so that each field keeps its column.
    """
    fields: list[Field] = []
    pos, end = 0, len(text)
    while True:
        if pos < end and text[pos] == '"':
            opening = pos
            value, pos = _quoted(text, pos, name, line)
            fields.append(Field(opening + 2, value))  # the column of the value, inside the quotes
            if pos < end and text[pos] != ",":
                raise ManifestError(
                    "unexpected text after a closing quote (expected a comma)", at(name, line, pos + 1)
                )
        else:
            comma = text.find(",", pos)
            stop = end if comma < 0 else comma
            fields.append(Field(pos + 1, text[pos:stop]))
            pos = stop
        if pos >= end:
            return fields
        pos += 1  # past the comma


def _quoted(text: str, pos: int, name: str, line: int) -> tuple[str, int]:
    """The value of the quoted field opening at `pos`, and the index after its closing quote."""
    parts = []
    start = pos + 1
    while True:
        close = text.find('"', start)
        if close < 0:
            raise ManifestError("unterminated quoted field", at(name, line, pos + 1))
        parts.append(text[start:close])
        if text.startswith('""', close):
            parts.append('"')
            start = close + 2
            continue
        return "".join(parts), close + 1


def decode_key(field: Field, name: str, line: int) -> str:
    """Decode a URL-encoded key the way `urllib.parse.unquote_plus` does, but strictly.

    `+` is a space and `%2B` a plus. unquote_plus silently keeps bad escapes and
    replaces invalid UTF-8, so both are checked here first.

    Raises:
        ManifestError: empty key, bad percent-escape, invalid UTF-8, over 1,024 bytes.
    """
    raw = field.value
    if not raw:
        raise ManifestError("empty key", at(name, line, field.column))
    if "%" not in raw and "+" not in raw:  # the common case: nothing to decode
        data = raw.encode()
        if len(data) > MAX_KEY_BYTES:
            raise _too_long(data, name, line, field.column)
        return raw
    index = raw.find("%")
    while index >= 0:
        escape = raw[index : index + 3]
        if len(escape) < 3 or escape[1] not in _HEX or escape[2] not in _HEX:
            raise ManifestError(
                f"bad percent-escape {clip_repr(escape)} in key {clip_repr(raw)}: '%' must be followed by two hex digits"
                " (a literal '%' is written %25)",
                at(name, line, field.column + index),
            )
        index = raw.find("%", index + 3)
    data = unquote_to_bytes(raw.replace("+", " "))
    try:
        key = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ManifestError(
            f"key {clip_repr(raw)} decodes to invalid UTF-8 (its percent-escapes must encode UTF-8 bytes)",
            at(name, line, field.column),
        ) from None
    if len(data) > MAX_KEY_BYTES:
        raise _too_long(data, name, line, field.column)
    return key


def _too_long(data: bytes, name: str, line: int, column: int) -> ManifestError:
    return ManifestError(
        f"key is {len(data):,} bytes once decoded; S3 keys are at most {MAX_KEY_BYTES:,} bytes",
        at(name, line, column),
    )


def check_bucket(field: Field, name: str, line: int) -> str:
    """A bucket name, checked against the S3 naming rules.

    Raises:
        ManifestError: empty or invalid bucket name.
    """
    bucket = field.value
    if not bucket:
        raise ManifestError("empty bucket name", at(name, line, field.column))
    if not valid_bucket_name(bucket):
        raise ManifestError(
            f"invalid bucket name {clip_repr(bucket)}: bucket names are 3-63 characters of a-z, 0-9, '.' and '-',"
            " starting and ending with a letter or digit",
            at(name, line, field.column),
        )
    return bucket


@functools.lru_cache(maxsize=1024)  # a manifest names few buckets, over and over
def valid_bucket_name(bucket: str) -> bool:
    """Whether `bucket` follows S3's bucket naming rules."""
    return bool(_BUCKET_NAME.fullmatch(bucket)) and ".." not in bucket and not _IP_ADDRESS.fullmatch(bucket)
