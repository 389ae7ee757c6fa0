"""Assemble the completion report (`Report_CSV_20180820`) in AWS layout, to S3 or a directory.

Layout under the report's Prefix (leading and trailing `/` dropped; none: the top):

    {Prefix}/job-{JobId}/manifest.json
    {Prefix}/job-{JobId}/results/{sha1(JobId/status)}.csv

The 40 hex characters are the SHA-1 of `"{JobId}/{status}"`: deterministic, so writing
a report again (after a crash during upload) replaces the same objects instead of
leaving orphans beside them. Results are written first and manifest.json last, so a
reader never sees a manifest that points at missing CSVs.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from s3batch_tui.core.report.staging import STATUSES, ReportStaging, staging_path
from s3batch_tui.core.spec import JobReport, bucket_from_arn, is_local_uri, local_path

REPORT_FORMAT = "Report_CSV_20180820"
REPORT_SCHEMA = "Bucket, Key, VersionId, TaskStatus, ErrorCode, HTTPStatusCode, ResultMessage"
_CHUNK = 1024 * 1024


def report_base_key(job_id: str, prefix: str | None) -> str:
    """`{Prefix}/job-{JobId}` (or `job-{JobId}` without a prefix)."""
    prefix = (prefix or "").strip("/")
    return f"{prefix}/job-{job_id}" if prefix else f"job-{job_id}"


def result_name(job_id: str, status: str) -> str:
    """The 40-hex-character name of a results CSV: SHA-1 of `"{job_id}/{status}"`."""
    return hashlib.sha1(f"{job_id}/{status}".encode()).hexdigest() + ".csv"


def format_creation_date(moment: datetime) -> str:
    """ISO-8601 UTC with milliseconds, as AWS writes it: `2026-01-02T03:04:05.000Z`."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # naive times are taken to be UTC already
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def write_report(
    job_id: str,
    report: JobReport,
    staging: ReportStaging | Path,
    s3_client: Any,
    now: datetime | None = None,
) -> str | None:
    """Write the job's completion report from its staging files; return where manifest.json is.

    Args:
        job_id: the job id (names the `job-{JobId}` folder).
        report: the job's report settings; `Bucket` is `arn:aws:s3:::name` or `file:///dir`.
        staging: the job's staging files (flushed first), or the directory holding them.
        s3_client: a boto3 S3 client; unused for a `file://` destination.
        now: the ReportCreationDate (default: the current time).

    Returns:
        `s3://bucket/.../manifest.json` or `file:///dir/.../manifest.json`; None when the
        report is disabled (nothing is written). The caller decides whether any task ran.

    For a `file://` destination the manifest's `Bucket` is that directory URI, and each
    `Key` is relative to it, just as an S3 key is relative to its bucket.
    """
    if not report.enabled or not report.bucket:
        return None
    sources = _staged_files(staging)
    base = report_base_key(job_id, report.prefix)
    destination = _LocalDestination(report.bucket) if is_local_uri(report.bucket) else _S3Destination(
        s3_client, bucket_from_arn(report.bucket), report.expected_bucket_owner
    )
    results = []
    for status, path in sources.items():
        key = f"{base}/results/{result_name(job_id, status)}"
        checksum = destination.put_file(key, path, "text/csv")
        results.append({"TaskExecutionStatus": status, "Bucket": destination.name, "MD5Checksum": checksum, "Key": key})
    manifest = {
        "Format": REPORT_FORMAT,
        "ReportCreationDate": format_creation_date(now or datetime.now(UTC)),
        "Results": results,
        "ReportSchema": REPORT_SCHEMA,
    }
    body = json.dumps(manifest, separators=(",", ":")).encode()
    return destination.put_bytes(f"{base}/manifest.json", body, "application/json")


def _staged_files(staging: ReportStaging | Path) -> dict[str, Path]:
    """The non-empty staging files, succeeded first (AWS's order in manifest.json)."""
    if isinstance(staging, ReportStaging):
        staging.flush()
        candidates = staging.paths
    else:
        candidates = {status: staging_path(Path(staging), status) for status in STATUSES}
    return {
        status: path
        for status, path in candidates.items()
        if status in STATUSES and path.is_file() and path.stat().st_size > 0
    }


def _md5_of(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as source:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class _S3Destination:
    """Uploads to a bucket; big CSVs go up in parts (upload_file), streamed from disk."""

    def __init__(self, client: Any, bucket: str, expected_owner: str | None) -> None:
        self.client = client
        self.name = bucket
        self._owner = {"ExpectedBucketOwner": expected_owner} if expected_owner else {}

    def put_file(self, key: str, path: Path, content_type: str) -> str:
        checksum = _md5_of(path)
        # By file name, not file object: a retried upload reads the file again from the top.
        self.client.upload_file(str(path), self.name, key, ExtraArgs={"ContentType": content_type, **self._owner})
        return checksum

    def put_bytes(self, key: str, body: bytes, content_type: str) -> str:
        self.client.put_object(Bucket=self.name, Key=key, Body=body, ContentType=content_type, **self._owner)
        return f"s3://{self.name}/{key}"


class _LocalDestination:
    """Writes into a directory; each file appears whole (temp file + rename) and durable."""

    def __init__(self, uri: str) -> None:
        self.name = uri
        self.root = local_path(uri)

    def put_file(self, key: str, path: Path, content_type: str) -> str:
        digest = hashlib.md5(usedforsecurity=False)
        with path.open("rb") as source, self._atomic(key) as target:
            while chunk := source.read(_CHUNK):
                digest.update(chunk)
                target.write(chunk)
        return digest.hexdigest()

    def put_bytes(self, key: str, body: bytes, content_type: str) -> str:
        with self._atomic(key) as target:
            target.write(body)
        return "file://" + str(self.root / key)

    def _atomic(self, key: str) -> _AtomicFile:
        return _AtomicFile(self.root / key)


class _AtomicFile:
    """A binary file written under a temporary name and renamed into place on success."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._handle = self.temporary.open("wb")
        return self._handle

    def __exit__(self, exc_type: object, *rest: object) -> None:
        try:
            if exc_type is None:
                self._handle.flush()
                os.fsync(self._handle.fileno())
        finally:
            self._handle.close()
        if exc_type is None:
            os.replace(self.temporary, self.path)
        else:
            self.temporary.unlink(missing_ok=True)
