"""`S3PutObjectCopy` parameters → S3 request arguments, checked once when the job is built.

Every parameter of the s3control model is either mapped here or refused by name, so a
job never half-applies what its file asks for. The arguments are grouped by the calls
they belong to, because a multipart copy spreads one CopyObject over several calls
(see `copy_multipart`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from pydantic import BaseModel

from s3batch_tui.core.errors import InputError
from s3batch_tui.core.spec import Grant, ObjectMetadata, PutObjectCopy, Tag

WHERE = "Operation.S3PutObjectCopy"

# Both are real CopyObject headers in the botocore model (x-amz-object-lock-event-hold*,
# x-amz-object-annotation-directive), but neither SeaweedFS nor moto implements them,
# and CreateMultipartUpload has no annotation directive: nothing we could check or
# honour for every object, so they stay refused rather than sent on trust.
_NO_LOCAL_SERVER = "no server we can test against implements S3 {what} ({header}); run this job on AWS S3 Batch Operations"
NOT_APPLIED_LOCALLY = {
    "object_lock_event_hold": ("event holds", "x-amz-object-lock-event-hold"),
    "object_lock_event_hold_duration": ("event holds", "x-amz-object-lock-event-hold-duration-days/years"),
    "annotation_directive": ("object annotations", "x-amz-object-annotation-directive"),
}
"""PutObjectCopy fields refused locally: field -> (feature, S3 header)."""

# NewObjectMetadata field -> S3 argument. ContentLength and ContentMD5 have no
# CopyObject counterpart (a copy's body is the source's), so they are not mapped.
# RequesterCharged is not mapped either: in S3 it is a response header
# (x-amz-request-charged) that no request takes; RequesterPays is what sends RequestPayer.
CONTENT_ARGS = {
    "cache_control": "CacheControl",
    "content_disposition": "ContentDisposition",
    "content_encoding": "ContentEncoding",
    "content_language": "ContentLanguage",
    "content_type": "ContentType",
    "http_expires_date": "Expires",
    "user_metadata": "Metadata",
}
_SSE_ALGORITHMS = {"AES256": "AES256", "KMS": "aws:kms"}
GRANT_ARGS = {"FULL_CONTROL": "GrantFullControl", "READ": "GrantRead", "READ_ACP": "GrantReadACP",
              "WRITE_ACP": "GrantWriteACP"}  # fmt: skip
"""Object grant permission -> CopyObject/CreateMultipartUpload header argument (no WRITE on objects)."""


@dataclass(frozen=True)
class CopyArguments:
    """The job-wide S3 arguments of a copy, grouped by the calls that take them.

    Attributes:
        new_object: what the new object gets (ACL, grants, encryption, storage class,
            checksum, Object Lock, redirect, and under REPLACE its metadata and tags):
            CopyObject and CreateMultipartUpload take the same names.
        directives: MetadataDirective / TaggingDirective (CopyObject only).
        conditions: CopySourceIfModifiedSince / CopySourceIfUnmodifiedSince (CopyObject
            and UploadPartCopy).
        payer: `{"RequestPayer": "requester"}` or nothing: every call takes it.
        replace_metadata: MetadataDirective is REPLACE (else the source's metadata is kept).
        replace_tagging: NewObjectTagging was given (else the source's tags are kept).
    """

    new_object: dict[str, Any] = field(default_factory=dict)
    directives: dict[str, Any] = field(default_factory=dict)
    conditions: dict[str, Any] = field(default_factory=dict)
    payer: dict[str, Any] = field(default_factory=dict)
    replace_metadata: bool = False
    replace_tagging: bool = False

    def for_copy_object(self) -> dict[str, Any]:
        """Everything CopyObject takes besides Bucket, Key and CopySource."""
        return self.directives | self.new_object | self.conditions | self.payer


def _alias(model: BaseModel, name: str) -> str:
    return type(model).model_fields[name].alias or name


def refuse_not_applied(params: PutObjectCopy) -> None:
    """Refuse the fields in `NOT_APPLIED_LOCALLY` when a job sets them."""
    for name, (what, header) in NOT_APPLIED_LOCALLY.items():
        if getattr(params, name) is not None:
            raise InputError(_NO_LOCAL_SERVER.format(what=what, header=header), f"{WHERE}.{_alias(params, name)}",
                             code="UnsupportedParameter")  # fmt: skip


def tagging_header(tags: list[Tag] | list[dict[str, str]]) -> str:
    """A tag set as the URL-query string S3's `Tagging` argument takes (`a=1&b=x%20y`)."""
    pairs = [(t["Key"], t["Value"]) if isinstance(t, dict) else (t.key, t.value) for t in tags]
    return urlencode(pairs, quote_via=quote)


def grant_arguments(grants: list[Grant]) -> dict[str, str]:
    """`AccessControlGrants` as grant headers: `{"GrantRead": 'id="a", uri="http://..."'}`.

    Raises:
        InputError: a grant without grantee, identifier or permission, a WRITE grant
            (S3 only grants WRITE on buckets), or an identifier a header cannot carry.
    """
    headers: dict[str, list[str]] = {}
    for index, grant in enumerate(grants):
        where = f"{WHERE}.AccessControlGrants[{index}]"
        if grant.permission is None:
            raise InputError("a grant needs a Permission", f"{where}.Permission")
        if grant.permission == "WRITE":
            raise InputError("WRITE is not a permission of objects (S3 grants it on buckets only); "
                             "use FULL_CONTROL, READ, READ_ACP or WRITE_ACP", f"{where}.Permission")  # fmt: skip
        grantee = grant.grantee
        if grantee is None or grantee.type_identifier is None or not grantee.identifier:
            raise InputError("a grant needs a Grantee with TypeIdentifier and Identifier", f"{where}.Grantee")
        if any(char in grantee.identifier for char in '"\r\n'):
            raise InputError("an Identifier cannot contain double quotes or line breaks", f"{where}.Grantee.Identifier")
        headers.setdefault(GRANT_ARGS[grant.permission], []).append(f'{grantee.type_identifier}="{grantee.identifier}"')
    return {arg: ", ".join(values) for arg, values in headers.items()}


def _metadata_args(metadata: ObjectMetadata | None, replace: bool) -> dict[str, Any]:
    if metadata is None:
        return {}
    args: dict[str, Any] = {}
    # Under COPY, S3 ignores content metadata in the request; sending it only with
    # REPLACE makes every server behave like AWS.
    if replace:
        for name, arg in CONTENT_ARGS.items():
            if (value := getattr(metadata, name)) is not None:
                args[arg] = value
    # Encryption is not metadata: S3 applies it under either directive.
    if metadata.sse_algorithm is not None:
        args["ServerSideEncryption"] = _SSE_ALGORITHMS[metadata.sse_algorithm]
    return args


def _encryption_args(params: PutObjectCopy) -> dict[str, Any]:
    args: dict[str, Any] = {}
    if params.sse_aws_kms_key_id is not None:
        metadata = params.new_object_metadata
        if metadata is not None and metadata.sse_algorithm == "AES256":
            raise InputError("a KMS key needs SSE-KMS, but NewObjectMetadata.SSEAlgorithm is AES256",
                             f"{WHERE}.SSEAwsKmsKeyId")  # fmt: skip
        args |= {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": params.sse_aws_kms_key_id}
    if params.bucket_key_enabled:
        args["BucketKeyEnabled"] = True
    return args


def _object_lock_args(params: PutObjectCopy) -> dict[str, Any]:
    # S3 refuses a mode without a date and a date without a mode (400 InvalidArgument)
    # on every object: say so once, before the job starts.
    if (params.object_lock_mode is None) != (params.object_lock_retain_until_date is None):
        given = "ObjectLockMode" if params.object_lock_mode is not None else "ObjectLockRetainUntilDate"
        raise InputError("ObjectLockMode and ObjectLockRetainUntilDate must be given together", f"{WHERE}.{given}")
    args: dict[str, Any] = {}
    if params.object_lock_mode is not None:
        args |= {"ObjectLockMode": params.object_lock_mode,
                 "ObjectLockRetainUntilDate": params.object_lock_retain_until_date}  # fmt: skip
    if params.object_lock_legal_hold_status is not None:
        args["ObjectLockLegalHoldStatus"] = params.object_lock_legal_hold_status
    return args


def _new_object_args(params: PutObjectCopy, replace: bool) -> dict[str, Any]:
    args = _metadata_args(params.new_object_metadata, replace)
    if params.canned_access_control_list is not None:
        if params.access_control_grants:
            raise InputError("S3 takes either a canned ACL or grants, not both", f"{WHERE}.AccessControlGrants")
        args["ACL"] = params.canned_access_control_list
    args |= grant_arguments(params.access_control_grants or [])
    args |= _encryption_args(params) | _object_lock_args(params)
    optional = {
        "StorageClass": params.storage_class,
        "ChecksumAlgorithm": params.checksum_algorithm,
        "WebsiteRedirectLocation": params.redirect_location,
    }
    args |= {arg: value for arg, value in optional.items() if value is not None}
    # Without NewObjectTagging the copy keeps the source's tags (COPY, S3's default).
    if params.new_object_tagging is not None:
        args["Tagging"] = tagging_header(params.new_object_tagging)
    return args


def build_copy_arguments(params: PutObjectCopy) -> CopyArguments:
    """Check the parameters and map them to S3 arguments.

    Raises:
        InputError: a parameter that is refused locally or inconsistent; nothing has
            been touched.
    """
    refuse_not_applied(params)
    replace = params.metadata_directive == "REPLACE"
    directives = {"MetadataDirective": "REPLACE" if replace else "COPY"}
    if params.new_object_tagging is not None:
        directives["TaggingDirective"] = "REPLACE"
    conditions = {
        arg: value
        for arg, value in (
            ("CopySourceIfModifiedSince", params.modified_since_constraint),
            ("CopySourceIfUnmodifiedSince", params.un_modified_since_constraint),
        )
        if value is not None
    }
    return CopyArguments(
        new_object=_new_object_args(params, replace),
        directives=directives,
        conditions=conditions,
        payer={"RequestPayer": "requester"} if params.requester_pays else {},
        replace_metadata=replace,
        replace_tagging=params.new_object_tagging is not None,
    )


def copy_arguments(params: PutObjectCopy) -> dict[str, Any]:
    """The CopyObject arguments that are the same for every object of the job."""
    return build_copy_arguments(params).for_copy_object()
