"""Finding a manifest for a new job: S3 listings, heads, format detection, previews.

UI-free and blocking: the wizard calls these from thread workers. Every S3 function
takes a boto3 S3 client (see `LazyClient`); listings are bounded to one page of at
most `PAGE_SIZE` entries, with a continuation token for the next.
"""

from __future__ import annotations

import csv
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from itertools import islice
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from s3batch_tui.core.clip import clip_repr
from s3batch_tui.core.errors import InputError, ManifestError
from s3batch_tui.core.manifest.entry import ManifestEntry
from s3batch_tui.core.manifest.location import open_location
from s3batch_tui.core.manifest.open import open_manifest
from s3batch_tui.core.manifest.scan import ManifestScan
from s3batch_tui.core.s3 import AwsSettings, ClientFactory
from s3batch_tui.core.spec import (
    LOCAL_URI_PREFIX,
    S3_ARN_PREFIX,
    GeneratorFilter,
    JobSpec,
    Manifest,
    ManifestLocation,
    is_local_uri,
)

CSV_FORMAT = "S3BatchOperations_CSV_20180820"
INVENTORY_FORMAT = "S3InventoryReport_CSV_20161130"
PAGE_SIZE = 1000
MANIFEST_SUFFIXES = (".csv", ".json", ".txt")
SNIFF_BYTES = 64 * 1024


class LazyClient:
    """One S3 client made on first use (creating a boto3 session reads files: do it in a thread)."""

    def __init__(self, aws: AwsSettings) -> None:
        self.aws = aws
        self._factory: ClientFactory | None = None
        self._lock = threading.Lock()

    def __call__(self) -> Any:
        with self._lock:
            if self._factory is None:
                self._factory = ClientFactory(self.aws)
        return self._factory.client("s3")


def describe_s3_error(exc: Exception) -> str:
    """A one-line reason for a failed S3 call: `NoSuchBucket: The specified bucket does not exist`."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return f"{error.get('Code', 'Error')}: {error.get('Message') or exc}"
    return str(exc)


# --- listing --------------------------------------------------------------------------


@dataclass(frozen=True)
class S3Entry:
    """One row of a listing: a common prefix ("folder") or an object."""

    key: str
    is_prefix: bool
    size: int | None = None
    last_modified: datetime | None = None

    @property
    def name(self) -> str:
        """The last part of the key (`a/b/c.csv` → `c.csv`, `a/b/` → `b/`)."""
        return self.key.rstrip("/").rsplit("/", 1)[-1] + ("/" if self.is_prefix else "")


@dataclass(frozen=True)
class S3Listing:
    """One page of a bucket listed under a prefix with delimiter `/`."""

    bucket: str
    prefix: str
    entries: list[S3Entry]
    next_token: str | None = None

    @property
    def truncated(self) -> bool:
        """Whether more entries follow (fetch them with `next_token`)."""
        return self.next_token is not None


def list_buckets(client: Any) -> list[str]:
    """Every bucket the credentials can list, by name."""
    return sorted(bucket["Name"] for bucket in client.list_buckets().get("Buckets", []))


def list_prefix(client: Any, bucket: str, prefix: str = "", token: str | None = None,
                limit: int = PAGE_SIZE) -> S3Listing:  # fmt: skip
    """Up to `limit` prefixes and objects directly under `prefix` (prefixes first)."""
    params: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix, "Delimiter": "/"}
    if token:
        params["ContinuationToken"] = token
    prefixes: list[S3Entry] = []
    objects: list[S3Entry] = []
    next_token = None
    while len(prefixes) + len(objects) < limit:
        params["MaxKeys"] = limit - len(prefixes) - len(objects)
        page = client.list_objects_v2(**params)
        prefixes += [S3Entry(p["Prefix"], True) for p in page.get("CommonPrefixes", [])]
        objects += [
            S3Entry(o["Key"], False, o.get("Size"), o.get("LastModified"))
            for o in page.get("Contents", [])
            if o["Key"] != prefix  # the "folder" placeholder object itself
        ]
        next_token = page.get("NextContinuationToken") if page.get("IsTruncated") else None
        if next_token is None:
            break
        params["ContinuationToken"] = next_token
    return S3Listing(bucket, prefix, prefixes + objects, next_token)


@dataclass(frozen=True)
class ObjectHead:
    """What HeadObject says about a manifest object."""

    bucket: str
    key: str
    etag: str
    version_id: str | None
    size: int


def head_object(client: Any, bucket: str, key: str, version_id: str | None = None) -> ObjectHead:
    """ETag (without quotes), version id and size of an object.

    Raises:
        InputError: the object cannot be found or read.
    """
    params = {"Bucket": bucket, "Key": key} | ({"VersionId": version_id} if version_id else {})
    try:
        head = client.head_object(**params)
    except (ClientError, BotoCoreError) as exc:
        raise InputError(f"cannot read the object: {describe_s3_error(exc)}", f"s3://{bucket}/{key}") from None
    version = head.get("VersionId")
    return ObjectHead(bucket, key, head["ETag"].strip('"'), None if version in (None, "null") else version,
                      head.get("ContentLength", 0))  # fmt: skip


# --- locations ------------------------------------------------------------------------


def is_manifest_name(name: str) -> bool:
    """Whether a file name looks like a manifest (CSV, inventory manifest.json, text)."""
    return name.lower().endswith(MANIFEST_SUFFIXES)


def manifest_arn(text: str, cwd: Path | None = None) -> str:
    """A typed manifest location as a job's ObjectArn.

    Accepts a path (relative to `cwd`), `file:///abs`, `s3://bucket/key` or
    `arn:aws:s3:::bucket/key`; returns `file:///abs` or `arn:aws:s3:::bucket/key`.
    """
    text = text.strip()
    if not text:
        raise InputError("type a path, s3://bucket/key or an object ARN", "manifest")
    if text.startswith("s3://"):
        bucket, _, key = text[5:].partition("/")
        if not bucket or not key:
            raise InputError(f"expected s3://bucket/key, got {clip_repr(text)}", "manifest")
        return f"{S3_ARN_PREFIX}{bucket}/{key}"
    if text.startswith(S3_ARN_PREFIX):
        return text
    if text.startswith(LOCAL_URI_PREFIX):
        text = text[len(LOCAL_URI_PREFIX):]
    path = Path(text).expanduser()
    if not path.is_absolute():
        path = (cwd or Path.cwd()) / path
    return f"{LOCAL_URI_PREFIX}{path.resolve()}"


def bucket_arn(text: str, cwd: Path | None = None) -> str:
    """A typed bucket (`name`, `s3://name`, an ARN, a path, `file:///dir`) as a bucket ARN or `file://` URI."""
    text = text.strip()
    if not text or text.startswith((S3_ARN_PREFIX, LOCAL_URI_PREFIX)):
        return text
    if text.startswith("s3://"):
        return S3_ARN_PREFIX + text[5:].rstrip("/")
    if text.startswith(("/", ".", "~")):
        path = Path(text).expanduser()
        return f"{LOCAL_URI_PREFIX}{((cwd or Path.cwd()) / path).resolve()}"
    return S3_ARN_PREFIX + text


def display_location(object_arn: str) -> str:
    """`arn:aws:s3:::b/k` → `s3://b/k`; `file:///x` → `/x`."""
    if is_local_uri(object_arn):
        return object_arn[len(LOCAL_URI_PREFIX):]
    if object_arn.startswith(S3_ARN_PREFIX):
        return "s3://" + object_arn[len(S3_ARN_PREFIX):]
    return object_arn


# --- detection and preview ------------------------------------------------------------


@dataclass(frozen=True)
class Detection:
    """The manifest format guessed from a name and the first bytes.

    Attributes:
        format: the `Spec.Format` to use.
        fields: the CSV column order (`Spec.Fields`), or None for an inventory.
        note: how it was detected, for the user.
    """

    format: str
    fields: list[str] | None
    note: str


def detect_format(name: str, first_bytes: bytes) -> Detection:
    """CSV (with its column count) or an S3 Inventory manifest.json, from the name and first bytes."""
    head = first_bytes.lstrip()
    if name.lower().endswith(".json") or head.startswith(b"{"):
        return Detection(INVENTORY_FORMAT, None, "S3 Inventory report (manifest.json)")
    first_line = first_bytes.split(b"\n", 1)[0].rstrip(b"\r").decode("utf-8", errors="replace")
    columns = len(next(csv.reader([first_line]), [])) if first_line else 0
    if columns == 3:
        return Detection(CSV_FORMAT, ["Bucket", "Key", "VersionId"], "CSV, 3 columns: bucket, key, version id")
    if columns == 2:
        return Detection(CSV_FORMAT, ["Bucket", "Key"], "CSV, 2 columns: bucket, key")
    return Detection(CSV_FORMAT, None, f"CSV? the first line has {columns} column(s), expected 2 or 3")


@dataclass
class Inspection:
    """A manifest looked at: its location pinned (ETag, version), format and first rows.

    Attributes:
        manifest: the job's `Manifest` (None when it cannot be opened).
        detection: the detected format (None when it cannot be opened).
        rows: up to the requested number of decoded entries.
        error: why it cannot be opened or why the preview stopped early.
    """

    manifest: Manifest | None
    detection: Detection | None
    rows: list[ManifestEntry] = field(default_factory=list)
    error: str | None = None


def inspect_manifest(object_arn: str, client_factory: Any, *, etag: str | None = None,
                     version_id: str | None = None, rows: int = 5) -> Inspection:  # fmt: skip
    """Pin an S3 manifest (head for its ETag and version), detect its format, decode the first rows.

    `client_factory` is called only for a manifest in S3 (a `LazyClient`).
    """
    client = None
    if not is_local_uri(object_arn):
        client = client_factory()
        bucket, _, key = object_arn[len(S3_ARN_PREFIX):].partition("/")
        try:
            head = head_object(client, bucket, key, version_id)
        except InputError as exc:
            return Inspection(None, None, error=str(exc))
        if etag and etag.strip('"') != head.etag:
            expected = etag.strip('"')
            return Inspection(None, None, error=f"ETag mismatch: expected {expected}, the object has {head.etag}")
        etag, version_id = head.etag, version_id or head.version_id
    location = ManifestLocation(object_arn=object_arn, etag=etag, object_version_id=version_id)
    try:
        with open_location(location, client) as stream:
            first = stream.read(SNIFF_BYTES)
    except ManifestError as exc:
        return Inspection(None, None, error=str(exc))
    detection = detect_format(object_arn, first)
    spec = {"Format": detection.format} | ({"Fields": detection.fields} if detection.fields else {})
    place = location.model_dump(by_alias=True, exclude_none=True)
    manifest = Manifest.model_validate({"Spec": spec, "Location": place})
    inspection = Inspection(manifest, detection)
    try:
        for entry in islice(open_manifest(manifest, client).entries(), rows):
            inspection.rows.append(entry)  # one by one: the rows before a bad one are shown too
    except ManifestError as exc:
        inspection.error = str(exc)
    return inspection


def scan_manifest(manifest: Manifest, client_factory: Any, max_errors: int = 5) -> ManifestScan:
    """Read the whole manifest: task count and the first `max_errors` errors (with line numbers)."""
    client = None if is_local_uri(manifest.location.object_arn) else client_factory()
    return open_manifest(manifest, client).scan(max_errors=max_errors)


# --- manifest generator ---------------------------------------------------------------


@dataclass(frozen=True)
class GeneratorPreview:
    """How many objects a manifest generator's filter matches now, and the first few."""

    matched: int
    listed: int
    sample: list[str]


def generator_preview(client: Any, bucket: str, flt: GeneratorFilter | None, sample: int = 5) -> GeneratorPreview:
    """List `bucket` and count the objects that `flt` matches (as S3 would at job creation)."""
    constraint = flt.key_name_constraint if flt else None
    prefixes = (constraint.match_any_prefix if constraint else None) or [""]
    matched = listed = 0
    first: list[str] = []
    for obj in _list_all(client, bucket, prefixes):
        listed += 1
        if flt is None or _matches(obj, flt):
            matched += 1
            if len(first) < sample:
                first.append(obj["Key"])
    return GeneratorPreview(matched, listed, first)


def _list_all(client: Any, bucket: str, prefixes: list[str]) -> Iterator[dict[str, Any]]:
    seen: set[str] = set()
    for prefix in prefixes:
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for obj in page.get("Contents", []):
                if obj["Key"] not in seen:
                    seen.add(obj["Key"])
                    yield obj


def _matches(obj: dict[str, Any], flt: GeneratorFilter) -> bool:
    key, size, modified = obj["Key"], obj.get("Size", 0), obj.get("LastModified")
    constraint = flt.key_name_constraint
    if constraint is not None:
        if constraint.match_any_suffix and not key.endswith(tuple(constraint.match_any_suffix)):
            return False
        if constraint.match_any_substring and not any(s in key for s in constraint.match_any_substring):
            return False
    if flt.object_size_greater_than_bytes is not None and not size > flt.object_size_greater_than_bytes:
        return False
    if flt.object_size_less_than_bytes is not None and not size < flt.object_size_less_than_bytes:
        return False
    if modified is not None and flt.created_after is not None and not modified > _aware(flt.created_after):
        return False
    if modified is not None and flt.created_before is not None and not modified < _aware(flt.created_before):
        return False
    return not flt.match_any_storage_class or obj.get("StorageClass", "STANDARD") in flt.match_any_storage_class


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


# --- job files ------------------------------------------------------------------------


def write_job_file(spec: JobSpec, path: Path) -> Path:
    """Write the job as CreateJob JSON (what `aws s3control create-job --cli-input-json` takes)."""
    path = path.expanduser().absolute()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(spec.to_json() + "\n", encoding="utf-8")
    return path
