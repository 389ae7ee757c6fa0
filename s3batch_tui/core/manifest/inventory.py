"""The S3 Inventory manifest (`S3InventoryReport_CSV_20161130`): a `manifest.json` and its data files.

The location names the inventory's `manifest.json`. Its `fileSchema` gives the
columns, its `files[]` the gzip CSV data files (no header, values quoted, keys
URL-encoded), each with an optional `MD5checksum` that is verified while streaming.

Where the data files are:

- manifest.json in S3: each `files[].key` in the bucket named by `destinationBucket`
  (the manifest's own bucket when that is absent).
- manifest.json on disk (`file://`): the first that exists of
  1. `<ancestor>/<key>` for each ancestor directory of manifest.json, nearest first
     (a local copy of the destination bucket, or of any prefix of it, kept as is);
  2. `<manifest.json's dir>/<basename of key>`;
  3. `<manifest.json's dir>/data/<basename of key>`.

Rows with `IsDeleteMarker` true are skipped (they take no ordinal) and counted. With
a `VersionId` column, each task acts on that exact version; an empty version id in a
versioned inventory is the literal version id `null`. An entry's `position` is
`[file index, line number]`: gzip cannot seek, so resuming re-reads that one file up
to the line, but skips the files before it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from s3batch_tui.core.clip import clip_repr
from s3batch_tui.core.errors import ManifestError
from s3batch_tui.core.manifest.bulk import (
    CheckedBlock,
    Layout,
    check_block,
    checked_or_lines,
    decode_checked_key,
    is_delete_marker,
    raw_blocks,
)
from s3batch_tui.core.json_input import parse_json
from s3batch_tui.core.manifest.entry import ManifestEntry, ManifestIdentity
from s3batch_tui.core.manifest.gunzip import gunzip
from s3batch_tui.core.manifest.location import (
    ByteStream,
    identity_of,
    location_name,
    open_local,
    open_location,
    open_s3,
)
from s3batch_tui.core.manifest.rows import Line, at, decode_key, decode_line, split_fields
from s3batch_tui.core.manifest.scan import EntryBatch, Item, ReadState, StreamingSource
from s3batch_tui.core.spec import ManifestLocation, bucket_from_arn, is_local_uri, is_s3_arn, local_path

# A manifest.json lists files, not rows: even a huge inventory's is a few MB.
MAX_MANIFEST_JSON_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class DataFile:
    """One data file listed in manifest.json."""

    key: str
    size: int | None
    md5: str | None


@dataclass(frozen=True)
class Inventory:
    """What manifest.json says: the columns and the data files."""

    columns: tuple[str, ...]
    files: tuple[DataFile, ...]
    destination_bucket: str | None


class InventoryManifest(StreamingSource):
    """Reads an S3 Inventory report (CSV) through its manifest.json.

    Args:
        location: where manifest.json is (S3 object with ETag, or `file://`).
        s3_client: a boto3 S3 client (unused when everything is local).
        bulk: False reads row by row with the reference parser only (for tests).
    """

    def __init__(self, location: ManifestLocation, s3_client: Any = None, *, bulk: bool = True) -> None:
        self.location = location
        self.s3_client = s3_client
        self.name = location_name(location)
        self.bulk = bulk

    def _items(self, start: Any, start_ordinal: int, state: ReadState) -> Iterator[Item]:
        inventory, state.identity = self._read_manifest_json()
        first_file, first_line = (int(start[0]), int(start[1])) if start is not None else (0, 1)
        ordinal = start_ordinal
        seen = 0  # rows of any kind, to tell an empty inventory apart
        for index in range(first_file, len(inventory.files)):
            skip_to = first_line if index == first_file else 1
            for item in self._file_items(inventory, index, skip_to, ordinal, state):
                if isinstance(item, ManifestEntry):
                    ordinal += 1
                elif isinstance(item, EntryBatch):
                    ordinal += item.count
                seen += 1
                yield item
        if start is None and seen == 0 and state.skipped_delete_markers == 0:
            raise ManifestError("empty manifest: its data files have no rows", self.name)

    def _read_manifest_json(self) -> tuple[Inventory, ManifestIdentity]:
        with open_location(self.location, self.s3_client) as stream:
            data = stream.read(MAX_MANIFEST_JSON_BYTES + 1)
            if len(data) > MAX_MANIFEST_JSON_BYTES:
                raise ManifestError(
                    f"larger than {MAX_MANIFEST_JSON_BYTES:,} bytes: not an inventory manifest.json", self.name
                )
            stream.drain()
            identity = identity_of(self.location, stream)
        return parse_inventory_json(data, self.name), identity

    def _file_items(
        self, inventory: Inventory, index: int, skip_to: int, ordinal: int, state: ReadState
    ) -> Iterator[Item]:
        """Rows of data file `index` from line `skip_to` on (earlier lines are read, not parsed)."""
        data_file = inventory.files[index]
        check = partial(check_block, layout=_bulk_layout(inventory.columns)) if self.bulk else lambda raw: None
        with self._open_data_file(inventory, data_file) as stream:
            name = stream.name
            for raw in raw_blocks(gunzip(stream.chunks(), name), name):
                if raw.first_line < skip_to and (raw := raw.from_line(skip_to)) is None:
                    continue
                for part in checked_or_lines(raw, check, name):
                    if isinstance(part, CheckedBlock):
                        state.skipped_delete_markers += part.delete_markers
                        yield EntryBatch(part.tasks, partial(_entries, part, ordinal, index))
                        ordinal += part.tasks
                        continue
                    try:
                        entry = _parse_row(part, name, inventory.columns, ordinal, index)
                    except ManifestError as exc:
                        yield exc
                        continue
                    if entry is None:
                        state.skipped_delete_markers += 1
                        continue
                    yield entry
                    ordinal += 1
            _check_file(stream, data_file)

    def _open_data_file(self, inventory: Inventory, data_file: DataFile) -> ByteStream:
        digest = "md5" if data_file.md5 else None
        if is_local_uri(self.location.object_arn):
            return open_local(self._local_data_path(data_file.key), digest=digest)
        bucket = inventory.destination_bucket or self.location.bucket_and_key[0]
        return open_s3(self.s3_client, bucket, data_file.key, digest=digest)

    def _local_data_path(self, key: str) -> Path:
        directory = local_path(self.location.object_arn).parent
        basename = key.rsplit("/", 1)[-1]
        candidates = [ancestor / key for ancestor in (directory, *directory.parents)]
        candidates += [directory / basename, directory / "data" / basename]
        for candidate in candidates:
            if candidate.is_file():
                return candidate
        tried = ", ".join(str(c) for c in (candidates[0], candidates[-2], candidates[-1]))
        raise ManifestError(
            f"data file {clip_repr(key)} not found next to manifest.json (tried {tried} and the directories above)",
            self.name,
        )


def parse_inventory_json(data: bytes, name: str) -> Inventory:
    """Parse an inventory manifest.json.

    Raises:
        ManifestError: invalid JSON (with line and column), missing or malformed
            `files`/`fileSchema`/`fileFormat`, or a format other than CSV.
    """
    document = parse_json(data, name, ManifestError)
    if not isinstance(document, dict):
        raise ManifestError("an inventory manifest.json must hold a JSON object", name)
    missing = [k for k in ("files", "fileSchema", "fileFormat") if k not in document]
    if missing:
        raise ManifestError(f"not an inventory manifest.json: missing {', '.join(missing)}", name)
    file_format = document["fileFormat"]
    if not isinstance(file_format, str) or file_format.upper() != "CSV":
        raise ManifestError(
            f"fileFormat {clip_repr(file_format)} is not supported: only CSV inventories can be used"
            " (Parquet/ORC are not supported)",
            name,
        )
    return Inventory(
        _columns(document["fileSchema"], name),
        tuple(_data_file(entry, i, name) for i, entry in enumerate(_files(document["files"], name))),
        _destination_bucket(document.get("destinationBucket"), name),
    )


def _columns(schema: Any, name: str) -> tuple[str, ...]:
    if not isinstance(schema, str):
        raise ManifestError("fileSchema must be a string of comma-separated column names", name)
    columns = tuple(column.strip() for column in schema.split(","))
    for required in ("Bucket", "Key"):
        if required not in columns:
            raise ManifestError(f"fileSchema {clip_repr(schema)} has no {required} column", name)
    duplicates = sorted({c for c in columns if columns.count(c) > 1})
    if duplicates:
        raise ManifestError(f"fileSchema names {', '.join(duplicates)} more than once", name)
    return columns


def _files(files: Any, name: str) -> list[Any]:
    if not isinstance(files, list) or not files:
        raise ManifestError("files must be a non-empty list of data files", name)
    return files


def _data_file(entry: Any, index: int, name: str) -> DataFile:
    where = f"{name} files[{index}]"
    if not isinstance(entry, dict) or not isinstance(entry.get("key"), str) or not entry["key"]:
        raise ManifestError("each data file needs a key", where)
    size, md5 = entry.get("size"), entry.get("MD5checksum")
    if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 0):
        raise ManifestError(f"size must be a byte count, got {clip_repr(size)}", where)
    if md5 is not None and not isinstance(md5, str):
        raise ManifestError(f"MD5checksum must be a hex string, got {clip_repr(md5)}", where)
    return DataFile(entry["key"], size, md5.lower() if md5 else None)


def _destination_bucket(value: Any, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise ManifestError(f"destinationBucket must be a bucket ARN, got {clip_repr(value)}", name)
    return bucket_from_arn(value) if is_s3_arn(value) else value


def _check_file(stream: ByteStream, data_file: DataFile) -> None:
    """After the last row: the bytes read must match manifest.json's size and MD5."""
    stream.drain()
    if data_file.size is not None and stream.size != data_file.size:
        raise ManifestError(
            f"size mismatch: manifest.json says {data_file.size:,} bytes, read {stream.size:,}", stream.name
        )
    if data_file.md5 is not None and stream.hexdigest() != data_file.md5:
        raise ManifestError(
            f"MD5 mismatch: manifest.json says {data_file.md5}, the data file has {stream.hexdigest()}", stream.name
        )


def _bulk_layout(columns: tuple[str, ...]) -> Layout:
    def index(name: str) -> int | None:
        return columns.index(name) if name in columns else None

    return Layout(len(columns), columns.index("Bucket"), columns.index("Key"), index("VersionId"),
                  index("IsDeleteMarker"), bucket_rules=False, all_or_no_versions=False)  # fmt: skip


def _entries(block: CheckedBlock, ordinal: int, file_index: int) -> Iterator[ManifestEntry]:
    null = "null" if block.layout.version is not None else None  # see _parse_row
    for ordinal, (line, _offset, bucket, key, version) in enumerate(block.rows(), ordinal):  # noqa: B020
        yield ManifestEntry(ordinal, bucket, decode_checked_key(key), version or null, key, position=[file_index, line])


def _parse_row(line: Line, name: str, columns: tuple[str, ...], ordinal: int, file_index: int) -> ManifestEntry | None:
    """One inventory row → an entry, or None for a delete marker."""
    text = decode_line(line, name)
    fields = split_fields(text, name, line.number)
    if len(fields) != len(columns):
        column = fields[len(columns)].column if len(fields) > len(columns) else len(text) + 1
        raise ManifestError(
            f"expected {len(columns)} columns ({', '.join(columns)}), got {len(fields)}", at(name, line.number, column)
        )
    named = dict(zip(columns, fields, strict=True))
    marker = named.get("IsDeleteMarker")
    if marker is not None and is_delete_marker(marker.value):
        return None
    bucket = named["Bucket"]
    if not bucket.value:
        raise ManifestError("empty bucket name", at(name, line.number, bucket.column))
    key = decode_key(named["Key"], name, line.number)
    version = named.get("VersionId")
    # AWS writes an empty version id for objects stored before versioning was enabled: version "null".
    version_id = (version.value or "null") if version is not None else None
    return ManifestEntry(ordinal, bucket.value, key, version_id, named["Key"].value, position=[file_index, line.number])
