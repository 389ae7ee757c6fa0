"""`S3PutObjectCopy`: one server-side CopyObject per object.

Supported: TargetResource, TargetKeyPrefix, StorageClass, MetadataDirective with
NewObjectMetadata, NewObjectTagging, CannedAccessControlList. Every other parameter
AWS accepts is refused when the job is built (see `NOT_SUPPORTED_YET`), so a job never
half-applies what its file asks for. Supporting one more = map it in `copy_arguments` and
drop it from the refusal list.
"""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import quote, urlencode

from pydantic import BaseModel

from s3batch_tui.core.errors import InputError
from s3batch_tui.core.manifest.entry import ManifestEntry
from s3batch_tui.core.operations.base import SUCCESS, OperationContext, TaskOutcome
from s3batch_tui.core.spec import ObjectMetadata, PutObjectCopy, Tag, bucket_from_arn, is_local_uri

WHERE = "Operation.S3PutObjectCopy"

NOT_SUPPORTED_YET = (
    "access_control_grants",
    "sse_aws_kms_key_id",
    "bucket_key_enabled",
    "checksum_algorithm",
    "object_lock_mode",
    "object_lock_retain_until_date",
    "object_lock_legal_hold_status",
    "object_lock_event_hold",
    "object_lock_event_hold_duration",
    "redirect_location",
    "requester_pays",
    "modified_since_constraint",
    "un_modified_since_constraint",
    "annotation_directive",
)
"""PutObjectCopy fields that AWS accepts and we do not apply yet."""

METADATA_NOT_SUPPORTED_YET = ("requester_charged",)
"""NewObjectMetadata fields we do not apply yet (RequesterCharged goes with RequesterPays)."""

# NewObjectMetadata field -> CopyObject argument. ContentLength and ContentMD5 have no
# CopyObject counterpart (a copy's body is the source's), so they are not mapped.
_CONTENT_ARGS = {
    "cache_control": "CacheControl",
    "content_disposition": "ContentDisposition",
    "content_encoding": "ContentEncoding",
    "content_language": "ContentLanguage",
    "content_type": "ContentType",
    "http_expires_date": "Expires",
    "user_metadata": "Metadata",
}
_SSE_ALGORITHMS = {"AES256": "AES256", "KMS": "aws:kms"}


def _refuse_unsupported(params: BaseModel, fields: tuple[str, ...], where: str) -> None:
    for field in fields:
        # None and False both mean "AWS default": nothing to apply, nothing to refuse.
        if getattr(params, field) not in (None, False):
            alias = type(params).model_fields[field].alias or field
            raise InputError("not supported locally yet", f"{where}.{alias}", code="UnsupportedParameter")


def destination_key(source_key: str, prefix: str | None) -> str:
    """The copy's key: `prefix + "/" + source key` (AWS's rule, even if the prefix ends in "/")."""
    return f"{prefix}/{source_key}" if prefix else source_key


def tagging_header(tags: list[Tag]) -> str:
    """A tag set as the URL-query string CopyObject's `Tagging` takes (`a=1&b=x%20y`)."""
    return urlencode([(tag.key, tag.value) for tag in tags], quote_via=quote)


def _metadata_args(metadata: ObjectMetadata | None, replace: bool) -> dict[str, Any]:
    if metadata is None:
        return {}
    _refuse_unsupported(metadata, METADATA_NOT_SUPPORTED_YET, f"{WHERE}.NewObjectMetadata")
    args: dict[str, Any] = {}
    # Under COPY, S3 ignores content metadata in the request; sending it only with
    # REPLACE makes every server behave like AWS.
    if replace:
        for field, arg in _CONTENT_ARGS.items():
            if (value := getattr(metadata, field)) is not None:
                args[arg] = value
    # Encryption is not metadata: S3 applies it under either directive.
    if metadata.sse_algorithm is not None:
        args["ServerSideEncryption"] = _SSE_ALGORITHMS[metadata.sse_algorithm]
    return args


def copy_arguments(params: PutObjectCopy) -> dict[str, Any]:
    """The CopyObject arguments that are the same for every object of the job."""
    replace = params.metadata_directive == "REPLACE"
    args: dict[str, Any] = {"MetadataDirective": "REPLACE" if replace else "COPY"}
    args |= _metadata_args(params.new_object_metadata, replace)
    if params.storage_class is not None:
        args["StorageClass"] = params.storage_class
    if params.canned_access_control_list is not None:
        args["ACL"] = params.canned_access_control_list
    # Without NewObjectTagging the copy keeps the source's tags (COPY, S3's default).
    if params.new_object_tagging is not None:
        args["TaggingDirective"] = "REPLACE"
        args["Tagging"] = tagging_header(params.new_object_tagging)
    return args


class PutObjectCopyOperation:
    """Copy each object (or exact version) to the target bucket, under an optional prefix.

    Objects over 5 GiB fail with the server's own error (AWS: 400 InvalidRequest), as
    in S3 Batch Operations: CopyObject refuses them itself, which costs nothing, where
    checking first would cost a HeadObject per object. (SPEC's multipart copy for
    them is a later issue.)
    """

    name: ClassVar[str] = "S3PutObjectCopy"

    def __init__(self, params: PutObjectCopy, context: OperationContext) -> None:
        _refuse_unsupported(params, NOT_SUPPORTED_YET, WHERE)
        target = params.target_resource
        if target is not None and is_local_uri(target):
            raise InputError(
                "copying to a file:// directory is not supported locally yet",
                f"{WHERE}.TargetResource",
                code="UnsupportedParameter",
            )
        self._s3 = context.s3
        self._target_bucket = bucket_from_arn(target) if target else None
        self._prefix = params.target_key_prefix
        self._args = copy_arguments(params)

    def run(self, entry: ManifestEntry) -> TaskOutcome:
        """Copy the entry's object; the destination bucket defaults to the source's."""
        source = {"Bucket": entry.bucket, "Key": entry.key}
        if entry.version_id:
            source["VersionId"] = entry.version_id
        self._s3.copy_object(
            Bucket=self._target_bucket or entry.bucket,
            Key=destination_key(entry.key, self._prefix),
            CopySource=source,
            **self._args,
        )
        return SUCCESS
