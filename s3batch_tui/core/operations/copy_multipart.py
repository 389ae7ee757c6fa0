"""Multipart copy: one object copied server-side in ranges (UploadPartCopy).

CopyObject stops at 5 GiB on AWS (400 InvalidRequest); S3 Batch Operations fails such
objects, we copy them in parts (SPEC section 3). The result must look like CopyObject's:
- the new object gets what CopyObject would give it (`CopyArguments.new_object`:
  ACL, grants, encryption, storage class, checksum, Object Lock, redirect); under COPY
  it also gets the source's content headers and user metadata (from the HeadObject)
  and the source's tags (GetObjectTagging), since CreateMultipartUpload has no
  directives. As with CopyObject, the source's ACL, storage class, encryption, Object
  Lock and website redirect are not carried over.
- every part is read from the same source: parts carry `CopySourceIfMatch` = the
  HeadObject's ETag, so a source overwritten mid-copy fails the task (retryably)
  instead of stitching two versions. The job's own ModifiedSince/UnModifiedSince
  conditions go on the first part instead (S3 lets a true If-Match override a false
  If-Unmodified-Since, which would silently drop the job's condition).
- any failure aborts the upload, so no invisible half-upload is left to pay for.
Object annotations are not carried (S3 has no annotation argument on multipart calls).
Parts are copied one after another inside the task: once started, a multipart copy runs
to its end (or first error) even if the job is paused or cancelled meanwhile.
Bytes never pass through this process: memory does not grow with the object's size.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from s3batch_tui.core.engine.retry import RetryPolicy
from s3batch_tui.core.engine.retrying import Retrying
from s3batch_tui.core.operations.base import TaskOutcome
from s3batch_tui.core.operations.copy_args import CopyArguments, tagging_header

MAX_PARTS = 10_000
"""S3's limit on the parts of one upload."""

MIB = 1024 * 1024

# HeadObject field -> CreateMultipartUpload argument: what CopyObject's COPY directive
# keeps. (Expires is handled apart: the raw header string is kept when botocore has it.)
_KEPT_HEAD_FIELDS = ("CacheControl", "ContentDisposition", "ContentEncoding", "ContentLanguage", "ContentType",
                     "Metadata")  # fmt: skip


def part_ranges(size: int, part_size: int) -> list[tuple[int, int]]:
    """Inclusive byte ranges covering `size` bytes in parts of `part_size` (the last may be smaller).

    The part size grows (to a whole MiB) when `part_size` would need more than
    `MAX_PARTS` parts.
    """
    if size > part_size * MAX_PARTS:
        needed = -(-size // MAX_PARTS)
        part_size = -(-needed // MIB) * MIB
    return [(start, min(start + part_size, size) - 1) for start in range(0, size, part_size)]


def _source_changed(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") == "PreconditionFailed"


class MultipartCopy:
    """Copies one object in parts with the job's arguments; `copy` is thread-safe."""

    def __init__(self, s3: Any, arguments: CopyArguments, part_size: int, attempts: int = 5) -> None:
        self._s3 = s3
        # Each part is retried on its own (re-copying a part number replaces it), so a
        # reset late in a huge copy does not start it over; creating and completing the
        # upload are retried with the whole task, since repeating them alone is unsafe.
        self._parts = Retrying(RetryPolicy(max_attempts=attempts)).client(s3)
        self._args = arguments
        self._part_size = part_size

    def _create_arguments(self, source: dict[str, str], head: dict[str, Any]) -> dict[str, Any]:
        args: dict[str, Any] = {}
        if not self._args.replace_metadata:
            args |= {name: head[name] for name in _KEPT_HEAD_FIELDS if head.get(name) is not None}
            if (expires := head.get("ExpiresString") or head.get("Expires")) is not None:
                args["Expires"] = expires
        if not self._args.replace_tagging:
            tag_set = self._s3.get_object_tagging(**source, **self._args.payer)["TagSet"]
            if tag_set:
                args["Tagging"] = tagging_header(tag_set)
        args |= self._args.new_object | self._args.payer
        # An empty NewObjectTagging means "no tags": say it by sending none.
        if args.get("Tagging") == "":
            del args["Tagging"]
        return args

    def copy(self, source: dict[str, str], bucket: str, key: str, head: dict[str, Any]) -> TaskOutcome:
        """Copy `source` (Bucket/Key[/VersionId]) described by its HeadObject `head` to bucket/key.

        Returns the success outcome ("Successful (multipart copy, N parts)") or a
        retryable failure when the source changed during the copy; other S3 errors
        propagate (after the upload is aborted).
        """
        ranges = part_ranges(head["ContentLength"], self._part_size)
        create = self._create_arguments(source, head)
        upload_id = self._s3.create_multipart_upload(Bucket=bucket, Key=key, **create)["UploadId"]
        target = {"Bucket": bucket, "Key": key, "UploadId": upload_id}
        checksum_field = f"Checksum{create['ChecksumAlgorithm']}" if "ChecksumAlgorithm" in create else None
        parts: list[dict[str, Any]] = []
        try:
            for number, (first, last) in enumerate(ranges, start=1):
                # The job's conditions, when given, replace If-Match on the first part (see above).
                pinned = number > 1 or not self._args.conditions
                conditions = {"CopySourceIfMatch": head["ETag"]} if pinned else self._args.conditions
                try:
                    result = self._parts.upload_part_copy(
                        **target, PartNumber=number, CopySource=source, CopySourceRange=f"bytes={first}-{last}",
                        **conditions, **self._args.payer,
                    )["CopyPartResult"]  # fmt: skip
                except ClientError as exc:
                    if pinned and _source_changed(exc):
                        self._abort(target)
                        return TaskOutcome(False, 412, "PreconditionFailed", retryable=True, message=(
                            f"the source object changed during the multipart copy (part {number} of {len(ranges)}: "
                            f"its ETag is no longer {head['ETag']}); the upload was aborted"))  # fmt: skip
                    raise
                part = {"PartNumber": number, "ETag": result["ETag"]}
                # S3 wants each part's checksum back when the upload has an algorithm.
                if checksum_field and result.get(checksum_field):
                    part[checksum_field] = result[checksum_field]
                parts.append(part)
            self._s3.complete_multipart_upload(**target, MultipartUpload={"Parts": parts}, **self._args.payer)
        except BaseException:
            self._abort(target)
            raise
        count = f"{len(parts)} part" + ("s" if len(parts) > 1 else "")
        return TaskOutcome(True, message=f"Successful (multipart copy, {count})")

    def _abort(self, target: dict[str, str]) -> None:
        # Best effort: the task's own error is what the report must show. An upload
        # that survives a failed abort is left to the bucket's lifecycle rules.
        try:
            self._s3.abort_multipart_upload(**target, **self._args.payer)
        except (BotoCoreError, ClientError):
            pass
