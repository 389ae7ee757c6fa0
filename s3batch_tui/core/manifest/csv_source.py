"""The CSV manifest (`S3BatchOperations_CSV_20180820`): rows `bucket,key[,versionId]`.

No header, UTF-8, keys URL-encoded (decoded like `urllib.parse.unquote_plus`).
`Spec.Fields` gives the column order; without it a row has 2 or 3 columns, the third
being the version id. Version ids are on every row or on none. CRLF line endings and
one newline at the end of the file are accepted.

Rows are read a block at a time through `bulk.py` (whole blocks proven good at once);
whatever it cannot prove goes through the row-by-row reference parser here, which
also words every error. A first row `bucket,key` is an object in bucket `bucket`:
there is no header guess, only a hint added to an error on line 1.

An entry's `position` is the byte offset of its line: resuming at it re-opens the
manifest there (S3: a Range GET) with nothing before it read again. Every line is a
task, so line numbers after a resume are `start_ordinal + 1` onwards.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import partial
from typing import Any

from s3batch_tui.core.errors import ManifestError
from s3batch_tui.core.manifest.bulk import (
    CheckedBlock,
    Layout,
    RawBlock,
    check_block,
    checked_or_lines,
    decode_checked_key,
    raw_blocks,
)
from s3batch_tui.core.manifest.entry import ManifestEntry
from s3batch_tui.core.manifest.location import identity_of, location_name, open_location
from s3batch_tui.core.manifest.rows import (
    Field,
    Line,
    at,
    check_bucket,
    decode_key,
    decode_line,
    split_fields,
)
from s3batch_tui.core.manifest.scan import EntryBatch, Item, ReadState, StreamingSource
from s3batch_tui.core.spec import ManifestLocation

BOM = b"\xef\xbb\xbf"
_DEFAULT_LAYOUTS = {2: ("Bucket", "Key"), 3: ("Bucket", "Key", "VersionId")}
# Only to word an error on line 1 better: a row of these is never refused for being one.
_HEADER_WORDS = frozenset({"bucket", "bucketname", "bucket_name", "bucket name", "key", "objectkey", "object_key"})


class CsvManifest(StreamingSource):
    """Reads an `S3BatchOperations_CSV_20180820` manifest, a block of lines at a time.

    Args:
        location: where the manifest is (S3 object with ETag, or `file://`).
        fields: `Spec.Fields`, the column order; None for `bucket,key[,versionId]`.
        s3_client: a boto3 S3 client (unused for a local manifest).
        bulk: False reads row by row with the reference parser only (for tests).
    """

    def __init__(
        self, location: ManifestLocation, fields: Sequence[str] | None = None, s3_client: Any = None, *, bulk: bool = True
    ) -> None:
        self.location = location
        self.fields = tuple(fields) if fields else None
        self.s3_client = s3_client
        self.name = location_name(location)
        self.bulk = bulk
        layouts = {len(self.fields): self.fields} if self.fields else _DEFAULT_LAYOUTS
        self._layouts = {count: _bulk_layout(names) for count, names in layouts.items()}

    def _items(self, start: Any, start_ordinal: int, state: ReadState) -> Iterator[Item]:
        offset = int(start or 0)
        ordinal = start_ordinal
        versions = _VersionRule()
        check = partial(self._check, versions=versions) if self.bulk else lambda raw: None
        seen_any = False
        with open_location(self.location, self.s3_client, offset=offset) as stream:
            for raw in raw_blocks(stream.chunks(), self.name, offset=offset, first_line=start_ordinal + 1):
                seen_any = True
                for part in checked_or_lines(raw, check, self.name):
                    if isinstance(part, CheckedBlock):
                        versions.settle(part.has_versions, part.raw.first_line)
                        yield EntryBatch(part.tasks, partial(_entries, part, ordinal))
                        ordinal += part.tasks
                        continue
                    try:
                        entry, has_version, version_column = self._parse(part, ordinal, at_top=offset == 0)
                        versions.check(has_version, part, version_column, self.name)
                    except ManifestError as exc:
                        yield exc
                        continue
                    yield entry
                    ordinal += 1
            if offset == 0 and not seen_any:
                raise ManifestError("empty manifest: it has no rows", self.name)
            state.identity = identity_of(self.location, stream)

    def _check(self, raw: RawBlock, versions: _VersionRule) -> CheckedBlock | None:
        """The block proven good with the layout its first line's comma count picks, or None."""
        end = raw.data.find(b"\n")
        layout = self._layouts.get(raw.data.count(b",", 0, end if end >= 0 else None) + 1)
        checked = check_block(raw, layout, refuse_bom=True) if layout is not None else None
        return checked if checked is not None and versions.allows(checked.has_versions) else None

    def _parse(self, line: Line, ordinal: int, *, at_top: bool) -> tuple[ManifestEntry, bool, int]:
        """One row → (entry, whether it has a version id, column of the version id): the reference."""
        first = at_top and line.number == 1
        if first and line.data.startswith(BOM):
            raise ManifestError(
                "the file starts with a UTF-8 byte-order mark (BOM): save it as UTF-8 without BOM",
                at(self.name, 1, 1),
            )
        text = decode_line(line, self.name)
        fields = split_fields(text, self.name, line.number)
        try:
            layout = self._layout(fields, text, line.number)
            named = dict(zip(layout, fields, strict=True))
            bucket = check_bucket(named["Bucket"], self.name, line.number)
            key = decode_key(named["Key"], self.name, line.number)
        except ManifestError as exc:
            raise _with_header_hint(exc, fields) if first else exc from None
        version = named.get("VersionId")
        version_id = version.value if version is not None and version.value else None
        version_column = version.column if version is not None else len(text) + 1
        entry = ManifestEntry(ordinal, bucket, key, version_id, named["Key"].value, position=line.offset)
        return entry, version_id is not None, version_column

    def _layout(self, fields: list[Field], text: str, line: int) -> Sequence[str]:
        """The column names of this row; raises on a wrong column count."""
        layout = self.fields or _DEFAULT_LAYOUTS.get(len(fields), ("Bucket", "Key"))
        if self.fields is None and len(fields) not in _DEFAULT_LAYOUTS:
            expected = "2 or 3 columns (Bucket, Key[, VersionId])"
        elif self.fields is not None and len(fields) != len(self.fields):
            expected = f"{len(self.fields)} columns ({', '.join(self.fields)})"
        else:
            return layout
        allowed = len(self.fields) if self.fields else max(_DEFAULT_LAYOUTS)
        column = fields[allowed].column if len(fields) > allowed else len(text) + 1
        raise ManifestError(f"expected {expected}, got {len(fields)}", at(self.name, line, column))


class _VersionRule:
    """Version ids on every row or on none: the first good row decides."""

    def __init__(self) -> None:
        self.decided: tuple[bool, int] | None = None  # (has version ids, line that decided it)

    def allows(self, has_version: bool) -> bool:
        return self.decided is None or self.decided[0] == has_version

    def settle(self, has_version: bool, line: int) -> None:
        if self.decided is None:
            self.decided = (has_version, line)

    def check(self, has_version: bool, line: Line, column: int, name: str) -> None:
        """Settle on the first row; raise for a row that disagrees with the decision."""
        if self.allows(has_version):
            self.settle(has_version, line.number)
            return
        has, decided_at = self.decided
        raise ManifestError(
            f"mixed version columns: line {decided_at} {'has' if has else 'has no'} version id but this line"
            f" {'has none' if has else 'has one'}; version ids must be on every row or on none",
            at(name, line.number, column),
        )


def _bulk_layout(names: Sequence[str]) -> Layout:
    version = names.index("VersionId") if "VersionId" in names else None
    return Layout(len(names), names.index("Bucket"), names.index("Key"), version)


def _entries(block: CheckedBlock, ordinal: int) -> Iterator[ManifestEntry]:
    for ordinal, (_line, offset, bucket, key, version) in enumerate(block.rows(), ordinal):  # noqa: B020
        yield ManifestEntry(ordinal, bucket, decode_checked_key(key), version, key, position=offset)


def _with_header_hint(error: ManifestError, fields: list[Field]) -> ManifestError:
    """Line 1's error, with a hint when the row reads like column names."""
    words = [field.value.strip().lower() for field in fields[:2]]
    if len(words) < 2 or not all(word in _HEADER_WORDS for word in words):
        return error
    hint = "; the first row looks like a header, and CSV manifests have no header row"
    return ManifestError(error.what + hint, error.where, error.code)
