"""Shared pieces of the job models: the base model, S3 ARNs and file:// locations, tags."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_pascal

from s3batch_tui.core.clip import clip_repr

__all__ = [
    "AwsModel",
    "CannedAcl",
    "ChecksumAlgorithm",
    "GIB",
    "LOCAL_URI_PREFIX",
    "MIB",
    "S3_ARN_PREFIX",
    "StorageClass",
    "Tag",
    "TagKey",
    "TagValue",
    "bucket_from_arn",
    "is_local_uri",
    "is_s3_arn",
    "local_path",
]

LOCAL_URI_PREFIX = "file://"
S3_ARN_PREFIX = "arn:aws:s3:::"
# Any partition (aws, aws-cn, aws-us-gov, ...): the model's pattern is `arn:[^:]+:s3:.*`.
_S3_ARN = re.compile(r"arn:[^:/]+:s3:::")
MIB = 1024 * 1024
GIB = 1024 * MIB

CannedAcl = Literal[
    "private",
    "public-read",
    "public-read-write",
    "aws-exec-read",
    "authenticated-read",
    "bucket-owner-read",
    "bucket-owner-full-control",
]
StorageClass = Literal[
    "STANDARD", "STANDARD_IA", "ONEZONE_IA", "GLACIER", "INTELLIGENT_TIERING", "DEEP_ARCHIVE", "GLACIER_IR"
]
ChecksumAlgorithm = Literal[
    "CRC32", "CRC32C", "SHA1", "SHA256", "CRC64NVME", "SHA512", "MD5", "XXHASH64", "XXHASH3", "XXHASH128"
]
TagKey = Annotated[str, Field(min_length=1, max_length=128)]
TagValue = Annotated[str, Field(max_length=256)]


class AwsModel(BaseModel):
    """Base: PascalCase aliases, unknown fields refused (a typo is an error, not ignored)."""

    model_config = ConfigDict(alias_generator=to_pascal, populate_by_name=True, extra="forbid", frozen=True)


def is_local_uri(location: str) -> bool:
    """Whether a location is a local `file://` URI (our extension) rather than an S3 ARN."""
    return location.startswith(LOCAL_URI_PREFIX)


def local_path(uri: str) -> Path:
    """The absolute path named by a `file:///absolute/path` URI."""
    return Path(uri[len(LOCAL_URI_PREFIX):])


def _check_local_uri(value: str) -> str:
    if not value[len(LOCAL_URI_PREFIX):].startswith("/"):
        raise ValueError(f"expected file:///absolute/path, got {clip_repr(value)}")
    return value


def _check_bucket_arn(value: str) -> str:
    if is_local_uri(value):
        return _check_local_uri(value)
    name = bucket_from_arn(value) if is_s3_arn(value) else ""
    if not name or "/" in name:
        raise ValueError(f"expected a bucket ARN like arn:aws:s3:::my-bucket or file:///dir, got {clip_repr(value)}")
    return value


def is_s3_arn(value: str) -> bool:
    """Whether `value` is an S3 bucket or object ARN, in any partition."""
    return _S3_ARN.match(value) is not None


def bucket_from_arn(arn: str) -> str:
    """`arn:aws:s3:::bucket` (or `arn:aws-cn:s3:::bucket`, ...) → `bucket`; object ARNs keep `/key`."""
    match = _S3_ARN.match(arn)
    return arn[match.end():] if match else arn[len(S3_ARN_PREFIX):]


class Tag(AwsModel):
    """One S3 tag."""

    key: TagKey
    value: TagValue
