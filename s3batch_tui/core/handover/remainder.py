"""The entries of a stopped job that have no outcome yet, as a CSV manifest.

A job stopped at a checkpoint has a watermark (every ordinal below it is done) and a
small set of done ordinals above it; everything else has not run. The manifest is read
again from the checkpoint's resume point (checked unchanged since Preparing, as a
resume would), so the remainder is exactly what a resume would still do.
"""

from __future__ import annotations

import csv
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from s3batch_tui.core.engine.job_manifest import JobManifest
from s3batch_tui.core.store import JobRecord

REMAINDER_NAME = "handover-manifest.csv"


@dataclass(frozen=True)
class Remainder:
    """The written CSV: where, how many rows, its columns and SHA-256."""

    path: Path
    count: int
    fields: tuple[str, ...]
    digest: str


def write_remainder(record: JobRecord, job_dir: Path, s3: Callable[[], Any]) -> Remainder:
    """Write the entries of `record` not done at its checkpoint to `job_dir/handover-manifest.csv`.

    Keys are written as the manifest gives them (URL-encoded), with the version column
    when the job's entries carry versions.

    Raises:
        ManifestError: the manifest changed since the job was prepared, or cannot be read.
    """
    manifest = JobManifest(record.spec, job_dir, record.id, s3)
    done_above = set(record.done_above)
    entries = manifest.entries(record.manifest_identity or {}, record.resume_point)
    pending = (e for e in entries if e.ordinal >= record.watermark and e.ordinal not in done_above)
    path = job_dir / REMAINDER_NAME
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    versions: bool | None = None  # a manifest gives versions on every row or on none: the first decides
    count = 0
    with temporary.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, lineterminator="\n")
        for entry in pending:
            if versions is None:
                versions = entry.version_id is not None
            writer.writerow([entry.bucket, entry.raw_key, *([entry.version_id or ""] if versions else [])])
            count += 1
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)
    with path.open("rb") as file:
        digest = hashlib.file_digest(file, "sha256").hexdigest()
    fields = ("Bucket", "Key", "VersionId") if versions else ("Bucket", "Key")
    return Remainder(path, count, fields, digest)
