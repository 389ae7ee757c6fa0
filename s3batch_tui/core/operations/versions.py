"""Acting on the version the manifest names, not on another one.

A server may ignore `VersionId`: SeaweedFS does on a bucket that was never versioned
and acts on the current object. So, for a task naming an exact version (other than
"null"), the bucket's versioning is looked up once per job: in a never-versioned
bucket the task fails with NoSuchVersion before any call. And where a response says
which version was acted on (`VersionId`, `x-amz-version-id`, a copy's
`x-amz-copy-source-version-id`), a different one fails the task with VersionIdMismatch.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from s3batch_tui.core.clip import clip_repr
from s3batch_tui.core.engine.retry import outcome_from_exception
from s3batch_tui.core.manifest.entry import ManifestEntry
from s3batch_tui.core.operations.base import SUCCESS, TaskOutcome, is_async
from s3batch_tui.core.retry_call import call_with_retries

MISMATCH_CODE = "VersionIdMismatch"


def _names_a_version(entry: ManifestEntry) -> bool:
    return bool(entry.version_id) and entry.version_id != "null"


def version_checked(entry: ManifestEntry, response: dict[str, Any], *, copy_source: bool = False) -> TaskOutcome:
    """SUCCESS, unless the response names a version other than the entry's (then a failure).

    `copy_source`: read the copy source's version (CopyObject), not the new object's.
    """
    if not _names_a_version(entry):
        return SUCCESS
    field, header = ("CopySourceVersionId", "x-amz-copy-source-version-id") if copy_source else (
        "VersionId", "x-amz-version-id")  # fmt: skip
    headers = (response.get("ResponseMetadata") or {}).get("HTTPHeaders") or {}
    acted_on = response.get(field) or headers.get(header)
    if not acted_on or acted_on == entry.version_id:
        return SUCCESS
    status = int((response.get("ResponseMetadata") or {}).get("HTTPStatusCode") or 200)
    return TaskOutcome(False, status, MISMATCH_CODE, f"the server acted on version {clip_repr(acted_on)}, "
                                                     f"not on the manifest's {clip_repr(entry.version_id)}")  # fmt: skip


class VersionGuard:
    """Refuses exact versions in never-versioned buckets (one GetBucketVersioning per bucket)."""

    def __init__(self, s3: Any) -> None:
        self._s3 = s3
        self._status: dict[str, str | None] = {}
        self._lock = threading.Lock()

    def refusal(self, entry: ManifestEntry) -> TaskOutcome | None:
        """The failed outcome for an entry whose version cannot exist, else None."""
        if not _names_a_version(entry) or self._versioning(entry.bucket) != "":
            return None
        return TaskOutcome(False, 404, "NoSuchVersion", f"version {clip_repr(entry.version_id)} does not exist: "
                                                        f"bucket {clip_repr(entry.bucket)} was never versioned")  # fmt: skip

    def _versioning(self, bucket: str) -> str | None:
        """"Enabled", "Suspended", "" (never), or None when unknown (asked again next time)."""
        with self._lock:
            if bucket in self._status:
                return self._status[bucket]
        try:
            status = call_with_retries(lambda: self._s3.get_bucket_versioning(Bucket=bucket)).get("Status") or ""
        except (ClientError, BotoCoreError) as exc:
            # Unknown: the task's own call decides. A refusal (no permission) is final;
            # a transient fault is asked about again by a later task.
            if isinstance(exc, ClientError) and not outcome_from_exception(exc).retryable:
                with self._lock:
                    self._status[bucket] = None
            return None
        with self._lock:
            self._status[bucket] = status
        return status


class VersionCheckedOperation:
    """Wraps a per-object operation with a `VersionGuard` (same name, same `run`)."""

    def __init__(self, operation: Any, guard: VersionGuard) -> None:
        self.operation = operation
        self.name = operation.name
        self._guard = guard
        if is_async(operation):
            self.start = self._start

    def _start(self, entry: ManifestEntry, done: Callable[[TaskOutcome], None]) -> None:
        """The guard's refusal (to `done` at once), or the operation started."""
        refusal = self._guard.refusal(entry)
        if refusal is not None:
            done(refusal)
        else:
            self.operation.start(entry, done)

    def run(self, entry: ManifestEntry) -> TaskOutcome:
        """The guard's refusal, or what the operation does."""
        return self._guard.refusal(entry) or self.operation.run(entry)
