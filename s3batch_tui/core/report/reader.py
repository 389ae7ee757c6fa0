"""Read completion reports, ours or AWS's, from a directory, a file or S3; rows are streamed.

A location may be a manifest.json, a directory holding one (or a single `job-*/`
below it holding one), a single results CSV, or the same as `s3://bucket/key` or
`file://` URIs. Each result's own Bucket/Key is followed, so results stored in
another bucket or prefix are found; a local copy of an AWS report (e.g. from
`aws s3 sync`) is read from its `results/` folder beside the manifest.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections import Counter
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any
from urllib.parse import unquote_plus

from s3batch_tui.core.clip import clip_repr
from s3batch_tui.core.errors import InputError
from s3batch_tui.core.json_input import parse_json
from s3batch_tui.core.report.staging import FAILED, SUCCEEDED
from s3batch_tui.core.report.writer import REPORT_FORMAT
from s3batch_tui.core.spec import bucket_from_arn, is_local_uri, is_s3_arn, local_path

COLUMNS = 7
S3_URI_PREFIX = "s3://"


@dataclass(frozen=True, slots=True)
class ReportRow:
    """One task of a report, columns in real AWS order.

    Attributes:
        key: the key as the report writes it (URL-encoded, as in the manifest).
        version_id: None when the column is empty.
        http_status: None when the column is empty (AWS leaves it so for some failures).
    """

    bucket: str
    key: str
    version_id: str | None
    task_status: str
    http_status: int | None
    error_code: str
    result_message: str

    @property
    def decoded_key(self) -> str:
        """The object key itself (`unquote_plus` of the report's key)."""
        return unquote_plus(self.key)

    @property
    def succeeded(self) -> bool:
        """Whether the task succeeded."""
        return self.task_status == SUCCEEDED


@dataclass
class ReportSummary:
    """Row counts by TaskStatus and by error code (rows without an error code not counted there)."""

    total: int = 0
    by_status: Counter[str] = field(default_factory=Counter)
    by_error_code: Counter[str] = field(default_factory=Counter)

    @property
    def succeeded(self) -> int:
        """Rows with TaskStatus `succeeded`."""
        return self.by_status[SUCCEEDED]

    @property
    def failed(self) -> int:
        """Rows with TaskStatus `failed`."""
        return self.by_status[FAILED]


@dataclass(frozen=True)
class ResultFile:
    """One results CSV: where it is and what the manifest says of it.

    Attributes:
        location: `s3://bucket/key` or a local path.
        status: the manifest's TaskExecutionStatus (None for a CSV opened on its own).
        md5: the manifest's MD5Checksum, if any.
    """

    location: str
    status: str | None = None
    md5: str | None = None


@dataclass
class Report:
    """An opened report: its manifest's facts and a streaming view of its rows.

    Attributes:
        location: the manifest (or single CSV) that was opened.
        results: the results CSVs, in manifest order.
        creation_date: the manifest's ReportCreationDate (None for a single CSV).
    """

    location: str
    results: list[ResultFile]
    creation_date: str | None = None
    s3_client: Any = None

    def rows(self) -> Iterator[ReportRow]:
        """Every row of every results CSV, read as a stream.

        Raises:
            InputError: a row without exactly 7 columns, a bad HTTP status, non-UTF-8
                text or an unreadable file, naming the file and line.
        """
        for result in self.results:
            # closing(), not `with body`: botocore's StreamingBody.__enter__ returns the raw
            # urllib3 stream, which closes itself at EOF and then fails TextIOWrapper.
            with closing(_open_binary(result.location, self.s3_client)) as raw:
                yield from _parse_rows(io.TextIOWrapper(raw, encoding="utf-8", newline=""), result.location)

    def checksum_mismatches(self) -> list[tuple[str, str, str]]:
        """(location, manifest MD5Checksum, actual MD5) of each results file that differs.

        A file the manifest gives no MD5Checksum for is not checked (a CSV opened alone).
        """
        mismatches = []
        for result in self.results:
            if not result.md5:
                continue
            digest = hashlib.md5(usedforsecurity=False)
            with closing(_open_binary(result.location, self.s3_client)) as raw:
                for chunk in iter(lambda: raw.read(1 << 20), b""):
                    digest.update(chunk)
            if digest.hexdigest() != result.md5.strip().lower():
                mismatches.append((result.location, result.md5, digest.hexdigest()))
        return mismatches

    def summary(self) -> ReportSummary:
        """Counts by TaskStatus and error code, streamed over all rows."""
        summary = ReportSummary()
        for row in self.rows():
            summary.total += 1
            summary.by_status[row.task_status] += 1
            if row.error_code:
                summary.by_error_code[row.error_code] += 1
        return summary


def open_report(location: str, s3_client: Any = None) -> Report:
    """Open a report at `location` (see the module docstring); rows are read later, lazily.

    Args:
        location: a path, `file://` URI or `s3://bucket/key`.
        s3_client: a boto3 S3 client, needed for anything in S3 (default: one made from
            the standard AWS settings when first needed).

    Raises:
        InputError: nothing readable there, or a malformed manifest.json.
    """
    if location.startswith(S3_URI_PREFIX):
        s3_client = s3_client or _default_client()
        target = _find_in_s3(location, s3_client)
    else:
        path = local_path(location) if is_local_uri(location) else Path(location)
        target = str(_find_locally(path))
    if not target.endswith(".json"):
        return Report(target, [ResultFile(target)], s3_client=s3_client)
    with closing(_open_binary(target, s3_client)) as raw:
        text = raw.read()
    return _parse_manifest(text, target, s3_client)


def _find_locally(path: Path) -> Path:
    if not path.is_dir():
        if not path.exists():
            raise InputError("no such file or directory", str(path))
        return path
    if (path / "manifest.json").is_file():
        return path / "manifest.json"
    return _only_one(sorted(path.glob("job-*/manifest.json")), str(path))


def _find_in_s3(uri: str, client: Any) -> str:
    bucket, _, key = uri[len(S3_URI_PREFIX):].partition("/")
    if key.endswith((".json", ".csv")):
        return uri
    prefix = key.rstrip("/") + "/" if key.strip("/") else ""
    listed = client.list_objects_v2(Bucket=bucket, Prefix=prefix, Delimiter="/")
    if any(item["Key"] == f"{prefix}manifest.json" for item in listed.get("Contents", [])):
        return f"{S3_URI_PREFIX}{bucket}/{prefix}manifest.json"
    jobs = [p["Prefix"] for p in listed.get("CommonPrefixes", []) if p["Prefix"][len(prefix):].startswith("job-")]
    return _only_one([f"{S3_URI_PREFIX}{bucket}/{job}manifest.json" for job in jobs], uri)


def _only_one(found: list[Any], where: str) -> Any:
    if not found:
        raise InputError("no manifest.json here nor in a job-*/ folder below", where)
    if len(found) > 1:
        raise InputError(f"{len(found)} reports here, choose one: " + ", ".join(map(str, found)), where)
    return found[0]


def _parse_manifest(text: bytes, where: str, s3_client: Any) -> Report:
    data = parse_json(text, where)
    if not isinstance(data, dict) or data.get("Format") != REPORT_FORMAT:
        found = data.get("Format") if isinstance(data, dict) else type(data).__name__
        raise InputError(f"not a completion report manifest: Format is {clip_repr(found)}, expected {REPORT_FORMAT}", where)
    entries = data.get("Results")
    if not isinstance(entries, list):
        raise InputError("Results must be a list", where)
    results = []
    for number, entry in enumerate(entries):
        if not isinstance(entry, dict) or not all(isinstance(entry.get(n), str) for n in ("Bucket", "Key")):
            raise InputError("each result needs Bucket and Key strings", f"{where} Results[{number}]")
        location = _result_location(entry["Bucket"], entry["Key"], where, s3_client)
        results.append(ResultFile(location, entry.get("TaskExecutionStatus"), entry.get("MD5Checksum")))
    return Report(where, results, data.get("ReportCreationDate"), s3_client)


def _result_location(bucket: str, key: str, manifest: str, s3_client: Any) -> str:
    if is_local_uri(bucket):
        return str(local_path(bucket) / key)
    name = bucket_from_arn(bucket) if is_s3_arn(bucket) else bucket
    if not manifest.startswith(S3_URI_PREFIX):
        # A local copy of a report made in S3: its CSVs sit in results/ beside manifest.json.
        copy = Path(manifest).parent / "results" / PurePosixPath(key).name
        if copy.is_file() or s3_client is None:
            return str(copy)
    return f"{S3_URI_PREFIX}{name}/{key}"


def _parse_rows(text: IO[str], where: str) -> Iterator[ReportRow]:
    reader = csv.reader(text, strict=True)
    try:
        for fields in reader:
            if not fields:
                continue  # a blank line carries no task
            yield row_from_fields(fields, f"{where} line {reader.line_num}")
    except csv.Error as exc:
        raise InputError(f"malformed CSV: {exc}", f"{where} line {reader.line_num}") from None
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", f"{where} after line {reader.line_num}") from None


def row_from_fields(fields: list[str], where: str) -> ReportRow:
    """One CSV record's 7 columns as a ReportRow.

    Raises:
        InputError: not 7 columns, or an HTTP status that is not a number, naming `where`.
    """
    if len(fields) != COLUMNS:
        raise InputError(f"expected {COLUMNS} columns, got {len(fields)}", where)
    bucket, key, version_id, status, http, error_code, message = fields
    if http and not (http.isascii() and http.isdigit()):
        raise InputError(f"HTTP status {http!r} is not a number", where)
    return ReportRow(bucket, key, version_id or None, status, int(http) if http else None, error_code, message)


def open_result(location: str, s3_client: Any = None, offset: int = 0) -> IO[bytes]:
    """A results CSV (local path or `s3://` URI) opened for binary reading at byte `offset`.

    In S3 an offset is a Range GET, so nothing before it is transferred. The caller closes it.

    Raises:
        InputError: the file cannot be read.
    """
    return _open_binary(location, s3_client, offset)


def _open_binary(location: str, s3_client: Any, offset: int = 0) -> IO[bytes]:
    if not location.startswith(S3_URI_PREFIX):
        try:
            handle = open(location, "rb")  # noqa: SIM115 - the caller closes it
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror}", location) from None
        handle.seek(offset)
        return handle
    from botocore.exceptions import BotoCoreError, ClientError

    from s3batch_tui.core.engine.retrying import TransientError

    bucket, _, key = location[len(S3_URI_PREFIX):].partition("/")
    ranged = {"Range": f"bytes={offset}-"} if offset else {}
    try:
        return (s3_client or _default_client()).get_object(Bucket=bucket, Key=key, **ranged)["Body"]
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise InputError(f"cannot read: {error.get('Code')} {error.get('Message', '')}".rstrip(), location) from None
    except (BotoCoreError, TransientError) as exc:
        raise InputError(f"cannot read: {exc}", location) from None


def _default_client() -> Any:
    from s3batch_tui.core.s3 import ClientFactory

    return ClientFactory().client("s3")
