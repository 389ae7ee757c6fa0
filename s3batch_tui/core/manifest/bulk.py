"""Reading manifest rows fast: whole blocks of lines checked at once.

The row-by-row parser in `rows.py` is the reference: exact, and the only code that
words an error. This module never decides that a row is bad. It proves, with C-speed
string operations on a block of thousands of lines, that *every* row of the block is
good (the same checks: UTF-8, shape, bucket names, keys, escapes, version ids), and
when it cannot, it halves the block until the doubtful lines are few enough to hand to
the reference one by one. A block that passes is counted without building a single
row object; its entries are built only when the engine asks for them.

Why the checks hold for a whole block:

- Shape: deleting every byte but `,` `"` `\\r` `\\n` leaves, for well-formed unquoted
  rows of N columns, exactly `(","*(N-1) + "\\n") * L`; fully quoted rows (inventory
  files) leave `('""' + ',""'*(N-1) + "\\n") * L`, and the quotes must also sit at the
  line ends and around every comma (else splitting on `","` yields too few values).
  Anything else (mixed quoting, embedded quotes, blank lines, ragged rows, a stray
  `\\r`) fails the block.
- Escapes: no `%` in the block's keys lacks two hex digits after it; and every run of
  consecutive escapes of non-ASCII bytes decodes to valid UTF-8 on its own (the raw
  text and ASCII bytes around a run are whole characters, so a key is valid UTF-8 once
  decoded iff its runs are).
- Lengths: a decoded key is never longer than its encoded form, so a block whose keys
  are all at most 1,024 bytes as written passes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import unquote_plus

from s3batch_tui.core.errors import ManifestError
from s3batch_tui.core.manifest.rows import MAX_KEY_BYTES, MAX_LINE_BYTES, Line, at, split_lines, valid_bucket_name

# Below this many lines a doubtful block goes to the reference parser line by line.
MIN_BISECT_LINES = 32
_SHAPE_BYTES = b',"\r\n'
_NOT_SHAPE = bytes(b for b in range(256) if b not in _SHAPE_BYTES)
# One pass finds both what can be wrong with escapes: a lone "%" (not followed by two
# hex digits), or a run of escapes of non-ASCII bytes (to check as UTF-8). Starting with
# a literal '%' lets the regex engine skip ahead to each '%'.
_DOUBTFUL_ESCAPES = re.compile(r"%(?:(?![0-9A-Fa-f]{2})|[89A-Fa-f][0-9A-Fa-f](?:%[89A-Fa-f][0-9A-Fa-f])*)")
_SAFE_KEY_CHARS = MAX_KEY_BYTES // 4  # no UTF-8 character is longer than 4 bytes


@dataclass(frozen=True)
class Layout:
    """Where a reader's columns are (0-based), and how strict its bucket check is.

    Attributes:
        columns: the exact column count of a row.
        bucket: index of the bucket column.
        key: index of the key column.
        version: index of the version id column, if any.
        marker: index of the IsDeleteMarker column, if any (inventory).
        bucket_rules: True to apply S3's bucket naming rules, False for "not empty".
        all_or_no_versions: version ids must be on every row or on none (CSV), rather
            than anywhere (inventory: an empty one means the version `null`).
    """

    columns: int
    bucket: int
    key: int
    version: int | None = None
    marker: int | None = None
    bucket_rules: bool = True
    all_or_no_versions: bool = True


@dataclass(frozen=True)
class RawBlock:
    """Consecutive lines of a stream: the first line's number, its byte offset, the bytes.

    `data` holds whole lines, each ending with `\\n`, except perhaps the stream's last.
    """

    first_line: int
    offset: int
    data: bytes

    @property
    def line_count(self) -> int:
        """How many lines the block holds."""
        return self.data.count(b"\n") + (0 if self.data.endswith(b"\n") else 1)

    def lines(self, name: str) -> Iterator[Line]:
        """The block's lines exactly as the reference splitter cuts them."""
        return split_lines([self.data], name, offset=self.offset, first_line=self.first_line)

    def halves(self) -> tuple[RawBlock, RawBlock] | None:
        """The block cut at a line end near its middle, or None when it is one line."""
        cut = self.data.find(b"\n", len(self.data) // 2) + 1
        if cut <= 0 or cut >= len(self.data):
            cut = self.data.rfind(b"\n", 0, len(self.data) - 1) + 1
            if cut <= 0:
                return None
        head = self.data[:cut]
        return (RawBlock(self.first_line, self.offset, head),
                RawBlock(self.first_line + head.count(b"\n"), self.offset + cut, self.data[cut:]))  # fmt: skip

    def from_line(self, number: int) -> RawBlock | None:
        """The block without its lines before line `number` (None if nothing is left)."""
        start = 0
        for _ in range(number - self.first_line):
            start = self.data.find(b"\n", start) + 1
            if start <= 0 or start >= len(self.data):
                return None
        return RawBlock(number, self.offset + start, self.data[start:]) if start else self


def raw_blocks(chunks: Iterable[bytes], name: str, *, offset: int = 0, first_line: int = 1) -> Iterator[RawBlock]:
    """Cut a chunked byte stream into blocks of whole lines (one block per chunk, roughly).

    A line that spans two chunks goes whole into the later block. Raises on an overlong
    line exactly where and when `rows.split_lines` does.

    Raises:
        ManifestError: a line longer than MAX_LINE_BYTES.
    """
    number = first_line
    pending = b""
    for chunk in chunks:
        data = pending + chunk if pending else chunk
        del chunk  # one copy of the bytes at a time keeps memory flat
        cut = data.rfind(b"\n") + 1
        if cut:
            block = RawBlock(number, offset, data[:cut])
            yield block
            number += block.line_count
            offset += cut
        pending = data[cut:]
        if len(pending) > MAX_LINE_BYTES:
            raise ManifestError(f"line longer than {MAX_LINE_BYTES:,} bytes: is this a CSV file?", at(name, number, 1))
    if pending:
        yield RawBlock(number, offset, pending)


@dataclass(frozen=True)
class CheckedBlock:
    """A block whose every row passed: counts, and the rows' values for building entries.

    Attributes:
        raw: the block.
        layout: the layout it passed with.
        values: every field of every row, row after row (`layout.columns` per row).
        delete_markers: rows whose IsDeleteMarker is true (they are not tasks).
        has_versions: True if every row has a version id, False if none has (or the
            layout has no version column).
    """

    raw: RawBlock
    layout: Layout
    values: list[str]
    delete_markers: int
    has_versions: bool

    @property
    def tasks(self) -> int:
        """Rows that are tasks (all but delete markers)."""
        return len(self.values) // self.layout.columns - self.delete_markers

    def rows(self) -> Iterator[tuple[int, int, str, str, str | None]]:
        """`(line number, byte offset, bucket, raw key, version id or None)` of each task row."""
        layout, values, n = self.layout, self.values, self.layout.columns
        data, offset, number = self.raw.data, self.raw.offset, self.raw.first_line
        versions = values[layout.version :: n] if layout.version is not None else None
        markers = values[layout.marker :: n] if layout.marker is not None and self.delete_markers else None
        for index, (bucket, key) in enumerate(zip(values[layout.bucket :: n], values[layout.key :: n], strict=True)):
            if markers is None or not is_delete_marker(markers[index]):
                version = versions[index] or None if versions is not None else None
                yield number + index, offset, bucket, key, version
            offset = self.raw.offset + data.find(b"\n", offset - self.raw.offset) + 1


def is_delete_marker(value: str) -> bool:
    """Whether an IsDeleteMarker value means true (the reference's own test)."""
    return value.strip().lower() == "true"


def decode_checked_key(raw: str) -> str:
    """Decode a key from a checked block (its escapes are known to be valid UTF-8)."""
    return unquote_plus(raw) if "%" in raw or "+" in raw else raw


def check_block(raw: RawBlock, layout: Layout, *, refuse_bom: bool = False) -> CheckedBlock | None:
    """Prove every row of `raw` good under `layout`, or return None (then ask the reference)."""
    data = raw.data if raw.data.endswith(b"\n") else raw.data + b"\n"
    if refuse_bom and raw.offset == 0 and data.startswith(b"\xef\xbb\xbf"):
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    values = _split_values(text, data.translate(None, _NOT_SHAPE), layout.columns)
    if values is None:
        return None
    keys = values[layout.key :: layout.columns]
    if not _good_keys(keys) or not _good_buckets(set(values[layout.bucket :: layout.columns]), layout.bucket_rules):
        return None
    if "%" in text and not _good_escapes("\n".join(keys)):  # only keys are decoded
        return None
    has_versions = False
    if layout.version is not None and layout.all_or_no_versions:
        empty = values[layout.version :: layout.columns].count("")
        if 0 < empty < len(values) // layout.columns:
            return None
        has_versions = empty == 0
    markers = 0
    if layout.marker is not None:
        column = values[layout.marker :: layout.columns]
        markers = sum(column.count(value) for value in set(column) if is_delete_marker(value))
    return CheckedBlock(raw, layout, values, markers, has_versions)


def _split_values(text: str, shape: bytes, columns: int) -> list[str] | None:
    """All the fields of the block in one list, if its shape is one the fast path knows."""
    lines = shape.count(b"\n")  # the shape is a few bytes a line: cheaper to count than the text
    end = b"\r\n" if shape.endswith(b"\r\n") else b"\n"
    newline = end.decode()
    if shape == (b"," * (columns - 1) + end) * lines:
        values = text.replace(newline, ",").split(",")
        values.pop()  # after the last line's end
    elif shape == (b'""' + b',""' * (columns - 1) + end) * lines:
        if not (text.startswith('"') and text.endswith(f'"{newline}')):
            return None
        # Every comma and line break flanked by quotes, or too few values come out.
        values = text.replace(f'"{newline}"', '","').split('","')
        values[0], values[-1] = values[0][1:], values[-1][: -len(newline) - 1]  # the outer quotes
    else:
        return None
    return values if len(values) == columns * lines else None


def _good_keys(keys: list[str]) -> bool:
    if "" in keys:
        return False
    if max(map(len, keys)) <= _SAFE_KEY_CHARS:
        return True
    return all(len(key.encode()) <= MAX_KEY_BYTES for key in keys if len(key) > _SAFE_KEY_CHARS)


def _good_buckets(buckets: set[str], rules: bool) -> bool:
    if rules:
        return all(map(valid_bucket_name, buckets))
    return "" not in buckets


def _good_escapes(keys: str) -> bool:
    found = _DOUBTFUL_ESCAPES.findall(keys)
    if "%" in found:
        return False
    try:
        bytes.fromhex("%0A".join(found).replace("%", "")).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def checked_or_lines(
    raw: RawBlock, check: Callable[[RawBlock], CheckedBlock | None], name: str
) -> Iterator[CheckedBlock | Line]:
    """The block as checked parts and, where a part cannot be proven good, single lines.

    In file order. `check` is called lazily, so it may depend on what the caller learnt
    from the items before (for example whether the manifest has version ids).
    """
    stack = [raw]
    while stack:
        part = stack.pop()
        checked = check(part)
        if checked is not None:
            yield checked
            continue
        halves = part.halves() if part.line_count > MIN_BISECT_LINES else None
        if halves is None:
            yield from part.lines(name)
        else:
            stack.extend(reversed(halves))
