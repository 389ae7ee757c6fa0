"""The per-object operations on the lean path: the same requests, outcomes and errors as boto3's.

Each lean operation keeps its boto3 twin: the twin checks the job's input (a bad job is
refused with the same message on either path) and builds the arguments, which botocore
serialises once into the request every task sends; and the twin runs the tasks of a
bucket that answers from another region, so boto3 follows the redirect as it does.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from typing import Any, ClassVar

from s3batch_tui.core.engine.retry import outcome_from_exception
from s3batch_tui.core.lean.request import LeanRequest, RegionRedirect
from s3batch_tui.core.lean.session import LeanS3
from s3batch_tui.core.manifest.entry import ManifestEntry
from s3batch_tui.core.operations.acl import PutObjectAclOperation
from s3batch_tui.core.operations.base import OperationContext, TaskOutcome
from s3batch_tui.core.operations.legal_hold import PutObjectLegalHoldOperation
from s3batch_tui.core.operations.restore import InitiateRestoreObjectOperation
from s3batch_tui.core.operations.retention import PutObjectRetentionOperation
from s3batch_tui.core.operations.tagging import DeleteObjectTaggingOperation, PutObjectTaggingOperation
from s3batch_tui.core.operations.versions import version_checked


class _LeanObjectOperation:
    """One `LeanRequest` per entry; success is checked against the manifest's version as on boto3."""

    name: ClassVar[str]
    _operation: ClassVar[str]  # botocore's name of the S3 operation
    _twin: ClassVar[type]  # the boto3 operation

    def __init__(self, params: Any, context: OperationContext, lean: LeanS3) -> None:
        self._boto3 = self._twin(params, context)
        self._request = LeanRequest(lean, self._operation, self._boto3.arguments)

    def run(self, entry: ManifestEntry) -> TaskOutcome:
        """Apply the operation to the entry's object (or exact version)."""
        if not self._request.redirected(entry.bucket):
            with suppress(RegionRedirect):
                return version_checked(entry, self._request.response(entry))
        return self._boto3.run(entry)

    def start(self, entry: ManifestEntry, done: Callable[[TaskOutcome | None], None]) -> None:
        """Send now; `done` gets the outcome `run` would give (on awscrt's thread), or None: `run` it instead."""
        if self._request.redirected(entry.bucket):
            done(None)  # boto3 follows the redirect, on the pool
            return

        def finished(response: dict[str, Any] | None, error: BaseException | None) -> None:
            if isinstance(error, RegionRedirect):
                done(None)
            elif error is not None:
                done(outcome_from_exception(error))
            else:
                done(version_checked(entry, response))

        self._request.start(entry, finished)


def _lean(twin: type, operation: str) -> type:
    """The lean operation for a boto3 one whose request is the same for every object; `operation`: botocore's name."""
    doc = f"{(twin.__doc__ or '').splitlines()[0].rstrip('.')} (lean path)."
    attributes = {"name": twin.name, "_operation": operation, "_twin": twin, "__doc__": doc, "__module__": __name__}
    return type(f"Lean{twin.__name__}", (_LeanObjectOperation,), attributes)


LeanPutObjectTaggingOperation = _lean(PutObjectTaggingOperation, "PutObjectTagging")
LeanDeleteObjectTaggingOperation = _lean(DeleteObjectTaggingOperation, "DeleteObjectTagging")
LeanPutObjectAclOperation = _lean(PutObjectAclOperation, "PutObjectAcl")
LeanPutObjectLegalHoldOperation = _lean(PutObjectLegalHoldOperation, "PutObjectLegalHold")
LeanPutObjectRetentionOperation = _lean(PutObjectRetentionOperation, "PutObjectRetention")


class LeanInitiateRestoreObjectOperation(InitiateRestoreObjectOperation):
    """Initiate restores (lean path); outcomes are decided by the boto3 operation's own rules.

    RestoreObject and the HeadObject that checks an object's class when
    ExpirationInDays is left out both go lean (S3 sends the class as x-amz-storage-class,
    which boto3 reads as StorageClass).
    """

    def __init__(self, params: Any, context: OperationContext, lean: LeanS3) -> None:
        super().__init__(params, context)
        self._lean_request = LeanRequest(lean, "RestoreObject", self.arguments)
        self._lean_head = LeanRequest(lean, "HeadObject", {})

    def _storage_class(self, entry: ManifestEntry) -> str | None:
        if not self._lean_head.redirected(entry.bucket):
            with suppress(RegionRedirect):
                return self._lean_head.send(entry).headers.get("x-amz-storage-class")
        return super()._storage_class(entry)

    def _initiate(self, entry: ManifestEntry) -> int:
        if not self._lean_request.redirected(entry.bucket):
            with suppress(RegionRedirect):
                return self._lean_request.send(entry).status
        return super()._initiate(entry)
