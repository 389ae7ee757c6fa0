"""`JobManifest` and `JobManifestGenerator`: which objects a job acts on."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from s3batch_tui.core.clip import clip_repr
from s3batch_tui.core.spec.base import AwsModel, bucket_from_arn, is_local_uri, is_s3_arn
from s3batch_tui.core.spec.base import _check_bucket_arn, _check_local_uri


__all__ = [
    "GeneratorFilter",
    "KeyNameConstraint",
    "Manifest",
    "ManifestGenerator",
    "ManifestLocation",
    "ManifestOutputLocation",
    "ManifestSpec",
    "S3JobManifestGenerator",
]

class ManifestSpec(AwsModel):
    """Format of the manifest and, for CSV, the order of its columns."""

    format: Literal["S3BatchOperations_CSV_20180820", "S3InventoryReport_CSV_20161130"]
    fields: list[Literal["Ignore", "Bucket", "Key", "VersionId"]] | None = None

    @model_validator(mode="after")
    def _fields_make_sense(self) -> ManifestSpec:
        if self.fields is not None:
            if self.format != "S3BatchOperations_CSV_20180820":
                raise ValueError("Fields is only allowed with the S3BatchOperations_CSV_20180820 format")
            for required in ("Bucket", "Key"):
                if self.fields.count(required) != 1:
                    raise ValueError(f"Fields must name {required} exactly once, got {self.fields}")
            if self.fields.count("VersionId") > 1:
                raise ValueError(f"Fields may name VersionId at most once, got {self.fields}")
        return self


class ManifestLocation(AwsModel):
    """Where the manifest is: an S3 object ARN (with ETag) or a `file://` path."""

    object_arn: str
    object_version_id: str | None = None
    etag: str | None = Field(default=None, alias="ETag")

    @field_validator("object_arn")
    @classmethod
    def _arn_or_local(cls, value: str) -> str:
        if is_local_uri(value):
            return _check_local_uri(value)
        rest = bucket_from_arn(value) if is_s3_arn(value) else ""
        bucket, _, key = rest.partition("/")
        if not bucket or not key:
            raise ValueError(f"expected arn:aws:s3:::bucket/key or file:///absolute/path, got {clip_repr(value)}")
        return value

    @model_validator(mode="after")
    def _etag_for_s3(self) -> ManifestLocation:
        if not is_local_uri(self.object_arn) and not self.etag:
            raise ValueError("ETag is required for a manifest in S3 (a file:// manifest needs none)")
        return self

    @property
    def bucket_and_key(self) -> tuple[str, str]:
        """(bucket, key) of an S3 manifest."""
        bucket, _, key = bucket_from_arn(self.object_arn).partition("/")
        return bucket, key


class Manifest(AwsModel):
    """`JobManifest`: a list of objects to act on."""

    spec: ManifestSpec
    location: ManifestLocation


class KeyNameConstraint(AwsModel):
    """Keys must match any of the prefixes, suffixes or substrings given."""

    match_any_prefix: list[str] | None = None
    match_any_suffix: list[str] | None = None
    match_any_substring: list[str] | None = None


class GeneratorFilter(AwsModel):
    """`JobManifestGeneratorFilter`: which listed objects become tasks."""

    eligible_for_replication: bool | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    object_replication_statuses: list[str] | None = None
    key_name_constraint: KeyNameConstraint | None = None
    object_size_greater_than_bytes: int | None = None
    object_size_less_than_bytes: int | None = None
    match_any_storage_class: list[str] | None = None
    match_any_object_encryption: list[dict[str, Any]] | None = None


class ManifestOutputLocation(AwsModel):
    """Where a generated manifest is written."""

    expected_manifest_bucket_owner: str | None = None
    bucket: str
    manifest_prefix: str | None = None
    manifest_encryption: dict[str, Any] | None = None
    manifest_format: Literal["S3InventoryReport_CSV_20211130"]

    _bucket = field_validator("bucket")(classmethod(lambda cls, v: _check_bucket_arn(v)))


class S3JobManifestGenerator(AwsModel):
    """List a bucket instead of reading a manifest file."""

    expected_bucket_owner: str | None = None
    source_bucket: str
    manifest_output_location: ManifestOutputLocation | None = None
    filter: GeneratorFilter | None = None
    enable_manifest_output: bool

    _bucket = field_validator("source_bucket")(classmethod(lambda cls, v: _check_bucket_arn(v)))


class ManifestGenerator(AwsModel):
    """`JobManifestGenerator`: one member."""

    s3_job_manifest_generator: S3JobManifestGenerator = Field(alias="S3JobManifestGenerator")
