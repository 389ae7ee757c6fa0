"""Which class runs which `JobOperation` member: adding an operation = one line here."""

from __future__ import annotations

from s3batch_tui.core.errors import InputError
from s3batch_tui.core.lean.choice import build_lean
from s3batch_tui.core.operations.acl import PutObjectAclOperation
from s3batch_tui.core.operations.base import Operation, OperationContext, is_batch
from s3batch_tui.core.operations.checksum import ComputeObjectChecksumOperation
from s3batch_tui.core.operations.copy import PutObjectCopyOperation
from s3batch_tui.core.operations.delete import LocalDeleteObjectOperation
from s3batch_tui.core.operations.lambda_invoke import LambdaInvokeOperation
from s3batch_tui.core.operations.legal_hold import PutObjectLegalHoldOperation
from s3batch_tui.core.operations.restore import InitiateRestoreObjectOperation
from s3batch_tui.core.operations.retention import PutObjectRetentionOperation
from s3batch_tui.core.operations.tagging import DeleteObjectTaggingOperation, PutObjectTaggingOperation
from s3batch_tui.core.operations.versions import VersionCheckedOperation, VersionGuard
from s3batch_tui.core.spec import JobOperation

OPERATIONS: dict[str, type] = {
    cls.name: cls
    for cls in (
        PutObjectCopyOperation,
        PutObjectTaggingOperation,
        DeleteObjectTaggingOperation,
        PutObjectAclOperation,
        PutObjectLegalHoldOperation,
        PutObjectRetentionOperation,
        InitiateRestoreObjectOperation,
        LocalDeleteObjectOperation,
        LambdaInvokeOperation,
        ComputeObjectChecksumOperation,
    )
}
"""AWS member name (`S3PutObjectTagging`) -> the class that runs it locally."""

UNGUARDED = frozenset({"LambdaInvoke"})
"""Members that pass version ids on without acting on them (the function decides)."""

AWS_ONLY = frozenset({"S3ReplicateObject", "S3UpdateObjectEncryption"})
"""Members that only AWS S3 Batch Operations can run."""


def build_operation(operation: JobOperation, context: OperationContext) -> Operation:
    """The runnable operation for a job's `JobOperation`.

    Raises:
        InputError: the member cannot run locally, or its parameters ask for something
            not supported yet; nothing has been touched.
    """
    where = f"Operation.{operation.name}"
    if operation.name in AWS_ONLY:
        raise InputError("runs only on AWS S3 Batch Operations", where, code="UnsupportedOperation")
    cls = OPERATIONS.get(operation.name)
    if cls is None:
        raise InputError("not supported locally yet", where, code="UnsupportedOperation")
    built = build_lean(operation, context) or cls(operation.params, context)
    if is_batch(built) or operation.name in UNGUARDED:
        return built
    return VersionCheckedOperation(built, VersionGuard(context.s3))
