"""HEAD each sampled object and say what the job would do to it; look at the buckets once.

Each problem found is a `Finding`: a count, a few examples and what it means for the
job. Per-object findings count sampled objects; bucket findings count tasks exactly.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from s3batch_tui.core.dry_run.manifest_pass import EXAMPLES, ManifestPass, describe_entry
from s3batch_tui.core.engine.retry import outcome_from_exception
from s3batch_tui.core.manifest.entry import ManifestEntry
from s3batch_tui.core.operations.restore import GLACIER_CLASSES
from s3batch_tui.core.operations.tagging import object_address
from s3batch_tui.core.retry_call import call_with_retries
from s3batch_tui.core.spec import JobSpec

LOCK_OPERATIONS = ("S3PutObjectRetention", "S3PutObjectLegalHold")
MAX_BUCKETS_LOOKED_AT = 100


@dataclass
class Finding:
    """One kind of problem: how many, a few examples, what it means."""

    title: str
    count: int = 0
    examples: list[str] = field(default_factory=list)
    exact: bool = False  # counted over every task (bucket findings), not over the sample

    def add(self, example: str, count: int = 1) -> None:
        """Count `count` more and keep `example` if there is room."""
        self.count += count
        if len(self.examples) < EXAMPLES:
            self.examples.append(example)


@dataclass
class Probe:
    """What the HEADs found: objects checked, latencies (seconds), findings by code."""

    checked: int = 0
    latencies: list[float] = field(default_factory=list)
    findings: dict[str, Finding] = field(default_factory=dict)

    def note(self, code: str, title: str, example: str, count: int = 1, exact: bool = False) -> None:
        """Record one more case of `code` (created with `title` on first use)."""
        self.findings.setdefault(code, Finding(title, exact=exact)).add(example, count)


def probe_objects(s3: Any, spec: JobSpec, entries: Iterable[ManifestEntry], workers: int) -> Probe:
    """HEAD every entry (`workers` at a time) and classify what the operation would meet."""
    probe = Probe()
    with ThreadPoolExecutor(max(1, workers)) as pool:
        for chunk in _chunks(iter(entries), 1000):  # bounded: `--sample all` streams the manifest
            for entry, (latency, head, error) in zip(chunk, pool.map(lambda e: _head(s3, e), chunk), strict=True):
                probe.checked += 1
                if latency is not None:
                    probe.latencies.append(latency)
                _classify(probe, spec, entry, head, error)
    return probe


def _chunks(entries: Iterator[ManifestEntry], size: int) -> Iterator[list[ManifestEntry]]:
    while chunk := list(islice(entries, size)):
        yield chunk


def _head(s3: Any, entry: ManifestEntry) -> tuple[float | None, dict | None, ClientError | BotoCoreError | None]:
    started = time.perf_counter()
    try:
        head = call_with_retries(lambda: s3.head_object(**object_address(entry)))
    except ClientError as exc:
        return time.perf_counter() - started, None, exc
    except BotoCoreError as exc:
        return None, None, exc
    return time.perf_counter() - started, head, None


def _classify(probe: Probe, spec: JobSpec, entry: ManifestEntry, head: dict | None, error: Exception | None) -> None:
    name = describe_entry(entry)
    if error is not None:
        outcome = outcome_from_exception(error)
        if outcome.http_status == 404:
            what = "version" if entry.version_id else "object"
            probe.note(f"missing-{what}", f"missing ({what} not found): these tasks fail with 404", name)
        elif outcome.http_status == 403:
            probe.note("denied", "access denied to HeadObject: these tasks likely fail with 403", name)
        else:
            probe.note(f"error-{outcome.error_code}", f"HeadObject failed ({outcome.error_code})", name)
        return
    operation = spec.operation.name
    storage_class = head.get("StorageClass") or "STANDARD"
    restore = head.get("Restore") or ""
    if operation == "S3InitiateRestoreObject":
        _classify_restore(probe, spec, name, storage_class, restore)
    elif operation == "S3PutObjectCopy":
        size = int(head.get("ContentLength") or 0)
        threshold = spec.options.multipart_copy_threshold_bytes
        if size > threshold:
            probe.note("multipart", f"larger than {threshold:,} bytes (CopyObject's 5 GiB limit by default): "
                                    "copied in parts with UploadPartCopy", f"{name} ({size:,} bytes)")  # fmt: skip
        if storage_class in GLACIER_CLASSES and 'ongoing-request="false"' not in restore:
            probe.note("archived-copy", f"in {'/'.join(sorted(GLACIER_CLASSES))} and not restored: "
                                        "the copy fails with InvalidObjectState", f"{name} ({storage_class})")  # fmt: skip


def _classify_restore(probe: Probe, spec: JobSpec, name: str, storage_class: str, restore: str) -> None:
    params = spec.operation.s3_initiate_restore_object
    example = f"{name} ({storage_class})"
    if 'ongoing-request="true"' in restore:
        probe.note("restoring", "a restore is already in progress (the task counts as succeeded)", example)
    elif 'ongoing-request="false"' in restore:
        probe.note("restored", "already restored (S3 extends the restored copy's expiry)", example)
    elif storage_class not in GLACIER_CLASSES and storage_class != "INTELLIGENT_TIERING":
        probe.note("wrong-class", "not in an archive storage class: the restore fails with InvalidObjectState", example)
    elif storage_class in GLACIER_CLASSES and not params.expiration_in_days:
        probe.note("no-days", "archived in GLACIER/DEEP_ARCHIVE but the job has no ExpirationInDays: fails with "
                              "MissingExpirationInDays", example)  # fmt: skip


def probe_buckets(s3: Any, spec: JobSpec, seen: ManifestPass, probe: Probe) -> None:
    """Bucket-wide findings, counted over every task: Object Lock for retention and legal
    hold, and exact versions named in buckets that were never versioned."""
    buckets = list(seen.buckets)[:MAX_BUCKETS_LOOKED_AT]
    if spec.operation.name in LOCK_OPERATIONS:
        for bucket in buckets:
            if _lock_enabled(s3, bucket) is False:
                probe.note("no-object-lock", "in a bucket without Object Lock: these tasks fail (InvalidRequest)",
                           f"s3://{bucket} ({seen.buckets[bucket]:,} tasks)", seen.buckets[bucket], exact=True)  # fmt: skip
    for bucket in [b for b in buckets if seen.versioned_buckets[b]]:
        if _versioning_status(s3, bucket) == "":
            count = seen.versioned_buckets[bucket]
            probe.note("unversioned-version", "name a version in a bucket that was never versioned: no such "
                                              "version can exist (these tasks fail with NoSuchVersion)",
                       f"s3://{bucket} ({count:,} tasks)", count, exact=True)  # fmt: skip


def _lock_enabled(s3: Any, bucket: str) -> bool | None:
    """True/False, or None when it cannot be told (no permission, server error)."""
    try:
        answer = call_with_retries(lambda: s3.get_object_lock_configuration(Bucket=bucket))
    except ClientError as exc:
        code = outcome_from_exception(exc).error_code
        return False if code == "ObjectLockConfigurationNotFoundError" else None
    except BotoCoreError:
        return None
    return (answer.get("ObjectLockConfiguration") or {}).get("ObjectLockEnabled") == "Enabled"


def _versioning_status(s3: Any, bucket: str) -> str | None:
    """"Enabled", "Suspended", "" (never versioned), or None when it cannot be told."""
    try:
        return call_with_retries(lambda: s3.get_bucket_versioning(Bucket=bucket)).get("Status") or ""
    except (ClientError, BotoCoreError):
        return None
