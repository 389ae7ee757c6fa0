"""`S3PutObjectCopy`: one server-side CopyObject per object, in parts when it is large.

Every parameter of AWS's `S3CopyObjectOperation` is applied (see `copy_args`) except
ObjectLockEventHold(Duration) and AnnotationDirective, which are refused when the job
is built, and NewObjectMetadata.RequesterCharged, which no S3 request takes (ignored).
Objects larger than `LocalOptions.MultipartCopyThresholdBytes` are copied with
UploadPartCopy (see `copy_multipart`); the report says "Successful (multipart copy, N
parts)" for them.

Knowing an object's size costs a HeadObject, so:
- at the default threshold (5 GiB, CopyObject's limit on AWS) no HeadObject is made:
  CopyObject is tried, and only when the server refuses the object for its size
  (AWS: 400 InvalidRequest "The specified copy source is larger than the maximum
  allowable size for a copy source: 5368709120") is it read with HeadObject and copied
  in parts. A server without that limit copies any size in one call, just as correctly.
- below 5 GiB every object gets a HeadObject first and goes to parts when it is larger
  than the threshold.
"""

from __future__ import annotations

from typing import Any, ClassVar

from botocore.exceptions import ClientError

from s3batch_tui.core.errors import InputError
from s3batch_tui.core.manifest.entry import ManifestEntry
from s3batch_tui.core.operations.base import OperationContext, TaskOutcome
from s3batch_tui.core.operations.copy_args import WHERE, build_copy_arguments, copy_arguments, tagging_header
from s3batch_tui.core.operations.copy_multipart import MultipartCopy
from s3batch_tui.core.operations.versions import version_checked
from s3batch_tui.core.spec import GIB, LocalOptions, PutObjectCopy, bucket_from_arn, is_local_uri

__all__ = ["PutObjectCopyOperation", "copy_arguments", "destination_key", "is_too_large_for_copy_object",
           "tagging_header"]  # fmt: skip

COPY_OBJECT_MAX_BYTES = 5 * GIB
"""The largest object AWS's CopyObject copies."""


def destination_key(source_key: str, prefix: str | None) -> str:
    """The copy's key: `prefix + "/" + source key` (AWS's rule, even if the prefix ends in "/")."""
    return f"{prefix}/{source_key}" if prefix else source_key


def is_too_large_for_copy_object(exc: ClientError) -> bool:
    """Whether CopyObject refused the object for its size (AWS's 400 InvalidRequest)."""
    error = exc.response.get("Error") or {}
    return error.get("Code") == "InvalidRequest" and "maximum allowable size" in str(error.get("Message", ""))


class PutObjectCopyOperation:
    """Copy each object (or exact version) to the target bucket, under an optional prefix."""

    name: ClassVar[str] = "S3PutObjectCopy"

    def __init__(self, params: PutObjectCopy, context: OperationContext) -> None:
        target = params.target_resource
        if target is not None and is_local_uri(target):
            raise InputError(
                "copying to a file:// directory is not supported locally yet",
                f"{WHERE}.TargetResource",
                code="UnsupportedParameter",
            )
        arguments = build_copy_arguments(params)
        options = context.options or LocalOptions()
        self._s3 = context.s3
        self._target_bucket = bucket_from_arn(target) if target else None
        self._prefix = params.target_key_prefix
        self._copy_args = arguments.for_copy_object()
        self._payer = arguments.payer
        self._threshold = options.multipart_copy_threshold_bytes
        self._head_first = self._threshold < COPY_OBJECT_MAX_BYTES
        self._multipart = MultipartCopy(context.s3, arguments, options.multipart_copy_part_size_bytes,
                                        options.max_attempts)  # fmt: skip

    def run(self, entry: ManifestEntry) -> TaskOutcome:
        """Copy the entry's object; the destination bucket defaults to the source's."""
        source = {"Bucket": entry.bucket, "Key": entry.key}
        if entry.version_id:
            source["VersionId"] = entry.version_id
        bucket = self._target_bucket or entry.bucket
        key = destination_key(entry.key, self._prefix)
        head = self._head_or_none(source) if self._head_first else None
        if head is not None and head["ContentLength"] > self._threshold:
            return self._multipart.copy(source, bucket, key, self._full_head(source, head))
        try:
            copied = self._copy_object(bucket, key, source)
        except ClientError as exc:
            if not is_too_large_for_copy_object(exc):
                raise
            head = self._full_head(source, head)
            return self._multipart.copy(source, bucket, key, head)
        return version_checked(entry, copied, copy_source=True)

    def _copy_object(self, bucket: str, key: str, source: dict[str, str]) -> dict[str, Any]:
        """One CopyObject call; its response (the lean path overrides this)."""
        return self._s3.copy_object(Bucket=bucket, Key=key, CopySource=source, **self._copy_args)

    def _full_head(self, source: dict[str, str], head: dict[str, Any] | None) -> dict[str, Any]:
        """The whole HeadObject answer a multipart copy needs (`head` when it is one)."""
        return head or self._s3.head_object(**source, **self._payer)

    def _head_or_none(self, source: dict[str, str]) -> dict[str, Any] | None:
        # A failed HeadObject has no body, hence no error code or message: let
        # CopyObject fail instead, with S3's own words (NoSuchKey, AccessDenied, ...).
        try:
            return self._s3.head_object(**source, **self._payer)
        except ClientError:
            return None
