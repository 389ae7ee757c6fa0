"""Which request path a job's operation takes: lean (awscrt) where covered, else boto3.

`LocalOptions.RequestPath` "boto3" forces boto3; "auto" (the default) takes the lean
path for the operations it covers when awscrt is installed. `job show` prints the
same label the runner chose by.
"""

from __future__ import annotations

import importlib.util
import logging
from typing import Any

log = logging.getLogger(__name__)

LEAN = "lean (awscrt)"
COVERED = frozenset({"S3PutObjectTagging", "S3DeleteObjectTagging", "S3PutObjectCopy"})
"""Members the lean path sends itself; every other one runs on boto3."""


def _awscrt_installed() -> bool:
    return importlib.util.find_spec("awscrt") is not None


def request_path(operation_name: str, options: Any) -> str:
    """The path label: "lean (awscrt)", or "boto3" with why when the member could be lean."""
    if operation_name not in COVERED:
        return "boto3"
    if options is not None and getattr(options, "request_path", "auto") == "boto3":
        return "boto3 (RequestPath is boto3)"
    if not _awscrt_installed():
        return "boto3 (awscrt is not installed)"
    return LEAN


def build_lean(operation: Any, context: Any) -> Any | None:
    """The lean operation for `operation`, or None (boto3 runs it)."""
    if request_path(operation.name, context.options) != LEAN:
        return None
    from s3batch_tui.core.lean.session import LeanS3
    from s3batch_tui.core.operations.lean_copy import LeanPutObjectCopyOperation
    from s3batch_tui.core.operations.lean_tagging import (
        LeanDeleteObjectTaggingOperation,
        LeanPutObjectTaggingOperation,
    )

    classes = {cls.name: cls for cls in (LeanPutObjectTaggingOperation, LeanDeleteObjectTaggingOperation,
                                         LeanPutObjectCopyOperation)}  # fmt: skip
    try:
        return classes[operation.name](operation.params, context, LeanS3(context.s3))
    except ValueError as exc:  # no credentials, TLS verification off, ...: boto3 says it its own way
        log.info("lean request path not used: %s", exc)
        return None
