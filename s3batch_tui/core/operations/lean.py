"""The per-object operations on the lean path: the same requests, outcomes and errors as boto3's.

Each sends one request per entry whose headers and body are the job's (built once by
botocore from the same arguments the boto3 operation passes), so a lean operation is
its boto3 twin's argument function plus the botocore operation name. Input is checked
by those same functions: a bad job is refused with the same message on either path.
"""

from __future__ import annotations

from typing import Any, ClassVar

from s3batch_tui.core.lean.request import LeanRequest
from s3batch_tui.core.lean.session import LeanS3
from s3batch_tui.core.manifest.entry import ManifestEntry
from s3batch_tui.core.operations.acl import acl_arguments
from s3batch_tui.core.operations.base import OperationContext, TaskOutcome
from s3batch_tui.core.operations.legal_hold import legal_hold_arguments
from s3batch_tui.core.operations.restore import InitiateRestoreObjectOperation, restore_request
from s3batch_tui.core.operations.retention import retention_arguments
from s3batch_tui.core.operations.tagging import tagging_arguments
from s3batch_tui.core.operations.versions import version_checked


class _LeanObjectOperation:
    """One `LeanRequest` per entry; success is checked against the manifest's version as on boto3."""

    name: ClassVar[str]
    _operation: ClassVar[str]  # botocore's name of the S3 operation

    def __init__(self, params: Any, context: OperationContext, lean: LeanS3) -> None:
        self._request = LeanRequest(lean, self._operation, self._arguments(params))

    @staticmethod
    def _arguments(params: Any) -> dict[str, Any]:
        return {}

    def run(self, entry: ManifestEntry) -> TaskOutcome:
        """Apply the operation to the entry's object (or exact version)."""
        return version_checked(entry, self._request.response(entry))


class LeanPutObjectTaggingOperation(_LeanObjectOperation):
    """Replace the object's whole tag set (lean path)."""

    name: ClassVar[str] = "S3PutObjectTagging"
    _operation = "PutObjectTagging"
    _arguments = staticmethod(tagging_arguments)


class LeanDeleteObjectTaggingOperation(_LeanObjectOperation):
    """Remove every tag from the object (lean path)."""

    name: ClassVar[str] = "S3DeleteObjectTagging"
    _operation = "DeleteObjectTagging"


class LeanPutObjectAclOperation(_LeanObjectOperation):
    """Replace the object's ACL with the job's canned or full ACL (lean path)."""

    name: ClassVar[str] = "S3PutObjectAcl"
    _operation = "PutObjectAcl"
    _arguments = staticmethod(acl_arguments)


class LeanPutObjectLegalHoldOperation(_LeanObjectOperation):
    """Set or clear the object's legal hold (lean path)."""

    name: ClassVar[str] = "S3PutObjectLegalHold"
    _operation = "PutObjectLegalHold"
    _arguments = staticmethod(legal_hold_arguments)


class LeanPutObjectRetentionOperation(_LeanObjectOperation):
    """Set or remove the object's Object Lock retention (lean path)."""

    name: ClassVar[str] = "S3PutObjectRetention"
    _operation = "PutObjectRetention"
    _arguments = staticmethod(retention_arguments)


class LeanInitiateRestoreObjectOperation(InitiateRestoreObjectOperation):
    """Initiate restores (lean path); outcomes are decided by the boto3 operation's own rules.

    Only RestoreObject goes lean: the HeadObject that checks an object's class when
    ExpirationInDays is left out stays on boto3 (one per task, and only in that case).
    """

    def __init__(self, params: Any, context: OperationContext, lean: LeanS3) -> None:
        super().__init__(params, context)
        self._lean_request = LeanRequest(lean, "RestoreObject", {"RestoreRequest": restore_request(params)})

    def _initiate(self, entry: ManifestEntry) -> int:
        return self._lean_request.send(entry).status
