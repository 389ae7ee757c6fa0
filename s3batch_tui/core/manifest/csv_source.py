"""The CSV manifest (`S3BatchOperations_CSV_20180820`): rows `bucket,key[,versionId]`.

No header, UTF-8, keys URL-encoded (decoded like `urllib.parse.unquote_plus`).
`Spec.Fields` gives the column order; without it a row has 2 or 3 columns, the third
being the version id. Version ids are on every row or on none. CRLF line endings and
one newline at the end of the file are accepted.

An entry's `position` is the byte offset of its line: resuming at it re-opens the
manifest there (S3: a Range GET) with nothing before it read again. Every line is a
task, so line numbers after a resume are `start_ordinal + 1` onwards.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from s3batch_tui.core.clip import clip_repr
from s3batch_tui.core.errors import ManifestError
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
    split_lines,
)
from s3batch_tui.core.manifest.scan import ReadState, StreamingSource
from s3batch_tui.core.spec import ManifestLocation

BOM = b"\xef\xbb\xbf"
_DEFAULT_LAYOUTS = {2: ("Bucket", "Key"), 3: ("Bucket", "Key", "VersionId")}
_HEADER_WORDS = frozenset({"bucket", "bucketname", "bucket_name", "bucket name", "key", "objectkey", "object_key"})


class CsvManifest(StreamingSource):
    """Reads an `S3BatchOperations_CSV_20180820` manifest, line by line.

    Args:
        location: where the manifest is (S3 object with ETag, or `file://`).
        fields: `Spec.Fields`, the column order; None for `bucket,key[,versionId]`.
        s3_client: a boto3 S3 client (unused for a local manifest).
    """

    def __init__(self, location: ManifestLocation, fields: Sequence[str] | None = None, s3_client: Any = None) -> None:
        self.location = location
        self.fields = tuple(fields) if fields else None
        self.s3_client = s3_client
        self.name = location_name(location)

    def _items(self, start: Any, start_ordinal: int, state: ReadState) -> Iterator[ManifestEntry | ManifestError]:
        offset = int(start or 0)
        ordinal = start_ordinal
        versioned: tuple[bool, int] | None = None  # (has version ids, line that decided it)
        seen_any = False
        with open_location(self.location, self.s3_client, offset=offset) as stream:
            for line in split_lines(stream.chunks(), self.name, offset=offset, first_line=start_ordinal + 1):
                seen_any = True
                try:
                    entry, has_version, version_column = self._parse(line, ordinal, at_top=offset == 0)
                    if versioned is None:
                        versioned = (has_version, line.number)
                    elif has_version != versioned[0]:
                        raise self._mixed_versions(line, versioned, version_column)
                except ManifestError as exc:
                    yield exc
                    continue
                yield entry
                ordinal += 1
            if offset == 0 and not seen_any:
                raise ManifestError("empty manifest: it has no rows", self.name)
            state.identity = identity_of(self.location, stream)

    def _parse(self, line: Line, ordinal: int, *, at_top: bool) -> tuple[ManifestEntry, bool, int]:
        """One row → (entry, whether it has a version id, column of the version id)."""
        first = at_top and line.number == 1
        if first and line.data.startswith(BOM):
            raise ManifestError(
                "the file starts with a UTF-8 byte-order mark (BOM): save it as UTF-8 without BOM",
                at(self.name, 1, 1),
            )
        text = decode_line(line, self.name)
        fields = split_fields(text, self.name, line.number)
        layout = self._layout(fields, text, line.number, first)
        named = dict(zip(layout, fields, strict=True))
        bucket = check_bucket(named["Bucket"], self.name, line.number)
        key = decode_key(named["Key"], self.name, line.number)
        version = named.get("VersionId")
        version_id = version.value if version is not None and version.value else None
        version_column = version.column if version is not None else len(text) + 1
        entry = ManifestEntry(ordinal, bucket, key, version_id, named["Key"].value, position=line.offset)
        return entry, version_id is not None, version_column

    def _layout(self, fields: list[Field], text: str, line: int, first: bool) -> Sequence[str]:
        """The column names of this row; raises on a header row or a wrong column count."""
        layout = self.fields or _DEFAULT_LAYOUTS.get(len(fields), ("Bucket", "Key"))
        if first and _looks_like_header(fields, layout):
            raise ManifestError(
                f"the first row looks like a header ({clip_repr(text)}): CSV manifests have no header row, remove it",
                at(self.name, line, 1),
            )
        if self.fields is None and len(fields) not in _DEFAULT_LAYOUTS:
            expected = "2 or 3 columns (Bucket, Key[, VersionId])"
        elif self.fields is not None and len(fields) != len(self.fields):
            expected = f"{len(self.fields)} columns ({', '.join(self.fields)})"
        else:
            return layout
        allowed = len(self.fields) if self.fields else max(_DEFAULT_LAYOUTS)
        column = fields[allowed].column if len(fields) > allowed else len(text) + 1
        raise ManifestError(f"expected {expected}, got {len(fields)}", at(self.name, line, column))

    def _mixed_versions(self, line: Line, versioned: tuple[bool, int], column: int) -> ManifestError:
        has, decided_at = versioned
        return ManifestError(
            f"mixed version columns: line {decided_at} {'has' if has else 'has no'} version id but this line"
            f" {'has none' if has else 'has one'}; version ids must be on every row or on none",
            at(self.name, line.number, column),
        )


def _looks_like_header(fields: list[Field], layout: Sequence[str]) -> bool:
    """A row naming its columns: a bucket literally "bucket", or header words in both places."""
    positions = {name: index for index, name in enumerate(layout)}
    if len(fields) <= max(positions["Bucket"], positions["Key"]):
        return False
    bucket = fields[positions["Bucket"]].value.strip().lower()
    key = fields[positions["Key"]].value.strip().lower()
    return bucket == "bucket" or (bucket in _HEADER_WORDS and key in _HEADER_WORDS)
