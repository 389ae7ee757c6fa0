"""The job: pydantic models of AWS `CreateJob` (PascalCase aliases, SPEC.md section 1).

A JSON file written for `aws s3control create-job --cli-input-json` loads unchanged;
dumping with `to_json_dict()` gives the same shape back. Local extensions are
namespaced (`LocalOptions`, `Local*` operations, `file://` locations) so that the
AWS submit path can refuse them by name (`local_extensions()`).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic.alias_generators import to_pascal

from s3batch_tui.core.errors import InputError

LOCAL_URI_PREFIX = "file://"
S3_ARN_PREFIX = "arn:aws:s3:::"
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
        raise ValueError(f"expected file:///absolute/path, got {value!r}")
    return value


def _check_bucket_arn(value: str) -> str:
    if is_local_uri(value):
        return _check_local_uri(value)
    if not value.startswith(S3_ARN_PREFIX) or "/" in value[len(S3_ARN_PREFIX):] or value == S3_ARN_PREFIX:
        raise ValueError(f"expected a bucket ARN like arn:aws:s3:::my-bucket or file:///dir, got {value!r}")
    return value


def bucket_from_arn(arn: str) -> str:
    """`arn:aws:s3:::bucket` → `bucket`."""
    return arn[len(S3_ARN_PREFIX):]


class Tag(AwsModel):
    """One S3 tag."""

    key: TagKey
    value: TagValue


# --- Manifest -------------------------------------------------------------------------


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
        rest = value[len(S3_ARN_PREFIX):] if value.startswith(S3_ARN_PREFIX) else ""
        bucket, _, key = rest.partition("/")
        if not bucket or not key:
            raise ValueError(f"expected arn:aws:s3:::bucket/key or file:///absolute/path, got {value!r}")
        return value

    @model_validator(mode="after")
    def _etag_for_s3(self) -> ManifestLocation:
        if not is_local_uri(self.object_arn) and not self.etag:
            raise ValueError("ETag is required for a manifest in S3 (a file:// manifest needs none)")
        return self

    @property
    def bucket_and_key(self) -> tuple[str, str]:
        """(bucket, key) of an S3 manifest."""
        bucket, _, key = self.object_arn[len(S3_ARN_PREFIX):].partition("/")
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


# --- Operations ------------------------------------------------------------------------


class Grantee(AwsModel):
    """Who a grant is for."""

    type_identifier: Literal["id", "emailAddress", "uri"] | None = None
    identifier: str | None = None
    display_name: str | None = None


class Grant(AwsModel):
    """One ACL grant."""

    grantee: Grantee | None = None
    permission: Literal["FULL_CONTROL", "READ", "WRITE", "READ_ACP", "WRITE_ACP"] | None = None


class ObjectMetadata(AwsModel):
    """`S3ObjectMetadata`: metadata for copied objects when MetadataDirective is REPLACE."""

    cache_control: str | None = None
    content_disposition: str | None = None
    content_encoding: str | None = None
    content_language: str | None = None
    user_metadata: dict[str, str] | None = None
    content_length: int | None = None
    content_md5: str | None = Field(default=None, alias="ContentMD5")
    content_type: str | None = None
    http_expires_date: datetime | None = None
    requester_charged: bool | None = None
    sse_algorithm: Literal["AES256", "KMS"] | None = Field(default=None, alias="SSEAlgorithm")


class HoldDuration(AwsModel):
    """Event-hold duration (AWS-side feature, kept for submission)."""

    days: int | None = None
    years: int | None = None


class PutObjectCopy(AwsModel):
    """`S3PutObjectCopy`."""

    target_resource: str | None = None
    canned_access_control_list: CannedAcl | None = None
    access_control_grants: list[Grant] | None = None
    metadata_directive: Literal["COPY", "REPLACE"] | None = None
    annotation_directive: Literal["COPY", "EXCLUDE"] | None = None
    modified_since_constraint: datetime | None = None
    new_object_metadata: ObjectMetadata | None = None
    new_object_tagging: list[Tag] | None = None
    redirect_location: str | None = None
    requester_pays: bool | None = None
    storage_class: StorageClass | None = None
    un_modified_since_constraint: datetime | None = Field(default=None, alias="UnModifiedSinceConstraint")
    sse_aws_kms_key_id: str | None = Field(default=None, alias="SSEAwsKmsKeyId")
    target_key_prefix: str | None = None
    object_lock_legal_hold_status: Literal["OFF", "ON"] | None = None
    object_lock_mode: Literal["COMPLIANCE", "GOVERNANCE"] | None = None
    object_lock_retain_until_date: datetime | None = None
    bucket_key_enabled: bool | None = None
    checksum_algorithm: ChecksumAlgorithm | None = None
    object_lock_event_hold: Literal["ON", "OFF"] | None = None
    object_lock_event_hold_duration: HoldDuration | None = None

    @field_validator("target_resource")
    @classmethod
    def _target(cls, value: str | None) -> str | None:
        return None if value is None else _check_bucket_arn(value)


class PutObjectTagging(AwsModel):
    """`S3PutObjectTagging`: replaces the whole tag set (at most 10 tags)."""

    tag_set: list[Tag] = Field(default_factory=list, max_length=10)


class DeleteObjectTagging(AwsModel):
    """`S3DeleteObjectTagging`: no parameters."""


class ObjectOwner(AwsModel):
    """Owner of an access control list."""

    id: str | None = Field(default=None, alias="ID")
    display_name: str | None = None


class AccessControlList(AwsModel):
    """Owner plus grants."""

    owner: ObjectOwner
    grants: list[Grant] | None = None


class AccessControlPolicy(AwsModel):
    """Either a full ACL or a canned one."""

    access_control_list: AccessControlList | None = None
    canned_access_control_list: CannedAcl | None = None


class PutObjectAcl(AwsModel):
    """`S3PutObjectAcl`."""

    access_control_policy: AccessControlPolicy | None = None


class InitiateRestoreObject(AwsModel):
    """`S3InitiateRestoreObject`."""

    expiration_in_days: int | None = Field(default=None, ge=0)
    glacier_job_tier: Literal["BULK", "STANDARD"] | None = None


class LambdaInvoke(AwsModel):
    """`LambdaInvoke`: AWS Lambda ARN, or (extension) `python:module:function`."""

    function_arn: str
    invocation_schema_version: Literal["1.0", "2.0"] | None = None
    user_arguments: dict[str, str] | None = Field(default=None, max_length=10)


class LegalHold(AwsModel):
    """Legal hold status."""

    status: Literal["ON", "OFF"]


class PutObjectLegalHold(AwsModel):
    """`S3PutObjectLegalHold`."""

    legal_hold: LegalHold


class Retention(AwsModel):
    """Retention mode and date."""

    retain_until_date: datetime | None = None
    mode: Literal["COMPLIANCE", "GOVERNANCE"] | None = None
    event_hold: Literal["ON", "OFF"] | None = None
    event_hold_duration: HoldDuration | None = None


class PutObjectRetention(AwsModel):
    """`S3PutObjectRetention`."""

    bypass_governance_retention: bool | None = None
    retention: Retention


class ComputeObjectChecksum(AwsModel):
    """`S3ComputeObjectChecksum`."""

    checksum_algorithm: ChecksumAlgorithm
    checksum_type: Literal["FULL_OBJECT", "COMPOSITE"] | None = None


class AwsOnly(AwsModel):
    """Operations that run only on AWS (`S3ReplicateObject`, `S3UpdateObjectEncryption`)."""

    model_config = ConfigDict(extra="allow")


class LocalDeleteObject(AwsModel):
    """`LocalDeleteObject` (extension): delete the listed objects or versions."""

    confirmed: bool = False


class JobOperation(AwsModel):
    """`JobOperation`: exactly one member names the operation and its parameters."""

    lambda_invoke: LambdaInvoke | None = None
    s3_put_object_copy: PutObjectCopy | None = Field(default=None, alias="S3PutObjectCopy")
    s3_put_object_acl: PutObjectAcl | None = Field(default=None, alias="S3PutObjectAcl")
    s3_put_object_tagging: PutObjectTagging | None = Field(default=None, alias="S3PutObjectTagging")
    s3_delete_object_tagging: DeleteObjectTagging | None = Field(default=None, alias="S3DeleteObjectTagging")
    s3_initiate_restore_object: InitiateRestoreObject | None = Field(default=None, alias="S3InitiateRestoreObject")
    s3_put_object_legal_hold: PutObjectLegalHold | None = Field(default=None, alias="S3PutObjectLegalHold")
    s3_put_object_retention: PutObjectRetention | None = Field(default=None, alias="S3PutObjectRetention")
    s3_replicate_object: AwsOnly | None = Field(default=None, alias="S3ReplicateObject")
    s3_compute_object_checksum: ComputeObjectChecksum | None = Field(default=None, alias="S3ComputeObjectChecksum")
    s3_update_object_encryption: AwsOnly | None = Field(default=None, alias="S3UpdateObjectEncryption")
    local_delete_object: LocalDeleteObject | None = Field(default=None, alias="LocalDeleteObject")

    @model_validator(mode="after")
    def _exactly_one(self) -> JobOperation:
        given = [name for name in self.model_fields_set if getattr(self, name) is not None]
        if len(given) != 1:
            names = ", ".join(sorted(type(self).model_fields[n].alias or n for n in given)) or "none"
            raise ValueError(f"exactly one operation must be given, got {names}")
        return self

    @property
    def name(self) -> str:
        """The AWS member name of the chosen operation, e.g. `S3PutObjectTagging`."""
        field = next(n for n in self.model_fields_set if getattr(self, n) is not None)
        return type(self).model_fields[field].alias or field

    @property
    def params(self) -> AwsModel:
        """The chosen operation's parameters."""
        return next(getattr(self, n) for n in self.model_fields_set if getattr(self, n) is not None)


# --- Report and options ----------------------------------------------------------------


class JobReport(AwsModel):
    """`JobReport`: where and what the completion report holds."""

    bucket: str | None = None
    format: Literal["Report_CSV_20180820"] | None = None
    enabled: bool
    prefix: str | None = None
    report_scope: Literal["AllTasks", "FailedTasksOnly"] | None = None
    expected_bucket_owner: str | None = None

    @field_validator("bucket")
    @classmethod
    def _bucket(cls, value: str | None) -> str | None:
        return None if value is None else _check_bucket_arn(value)

    @model_validator(mode="after")
    def _complete_when_enabled(self) -> JobReport:
        if self.enabled and not self.bucket:
            raise ValueError("Bucket is required when the report is enabled")
        return self

    @property
    def scope(self) -> str:
        """The report scope, AllTasks by default."""
        return self.report_scope or "AllTasks"


class FailureThreshold(AwsModel):
    """When a job fails for too many failed tasks (AWS default: > 50 % once 1,000 ran)."""

    min_tasks: int = Field(default=1000, ge=1)
    max_failed_percent: float = Field(default=50.0, ge=0, le=100)


class LocalOptions(AwsModel):
    """`LocalOptions` (extension): how this job runs locally; never sent to AWS."""

    max_operations_per_second: float | None = Field(default=None, gt=0)
    failure_threshold: FailureThreshold = Field(default_factory=FailureThreshold)
    max_attempts: int = Field(default=5, ge=1, le=20)
    multipart_copy_threshold_bytes: int = Field(default=5 * GIB, ge=5 * MIB)
    """S3PutObjectCopy: objects larger than this are copied in parts (UploadPartCopy)."""
    multipart_copy_part_size_bytes: int = Field(default=512 * MIB, ge=5 * MIB, le=5 * GIB)
    """S3PutObjectCopy: size of each part of a multipart copy (enlarged past 10,000 parts)."""


class JobSpec(AwsModel):
    """A whole job, as `CreateJob` takes it (plus optional local extensions)."""

    account_id: str | None = None
    confirmation_required: bool | None = None
    operation: JobOperation
    report: JobReport
    client_request_token: str | None = Field(default=None, max_length=64)
    manifest: Manifest | None = None
    manifest_generator: ManifestGenerator | None = None
    description: str | None = Field(default=None, max_length=256)
    priority: int = Field(default=10, ge=0, le=2147483647)
    role_arn: str | None = None
    tags: list[Tag] | None = None
    local_options: LocalOptions | None = None

    @model_validator(mode="after")
    def _one_manifest(self) -> JobSpec:
        if (self.manifest is None) == (self.manifest_generator is None):
            raise ValueError("exactly one of Manifest and ManifestGenerator must be given")
        return self

    @property
    def options(self) -> LocalOptions:
        """Local run options, defaults where the file gives none."""
        return self.local_options or LocalOptions()

    def to_json_dict(self) -> dict[str, Any]:
        """The job in `CreateJob` JSON shape (what `--cli-input-json` takes)."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True, exclude_none=True)

    def to_json(self) -> str:
        """`to_json_dict()` as indented JSON text."""
        return json.dumps(self.to_json_dict(), indent=2, ensure_ascii=False)


def local_extensions(spec: JobSpec) -> list[str]:
    """What in `spec` only runs locally; the AWS submit path refuses each by name."""
    found = []
    if spec.local_options is not None:
        found.append("LocalOptions")
    if spec.operation.name.startswith("Local"):
        found.append(f"Operation.{spec.operation.name}")
    if spec.operation.name == "LambdaInvoke" and spec.operation.params.function_arn.startswith("python:"):
        found.append("Operation.LambdaInvoke.FunctionArn (local python: handler)")
    locations = {
        "Manifest.Location.ObjectArn": spec.manifest and spec.manifest.location.object_arn,
        "Report.Bucket": spec.report.bucket,
        "Operation.S3PutObjectCopy.TargetResource": spec.operation.s3_put_object_copy
        and spec.operation.s3_put_object_copy.target_resource,
    }
    found += [where for where, value in locations.items() if value and is_local_uri(value)]
    return found


def describe_validation_error(error: ValidationError, source: str) -> str:
    """Short lines, one per problem: `source: Field.Path[0]: what was expected`."""
    lines = []
    for problem in error.errors():
        path = ""
        for part in problem["loc"]:
            path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
        message = problem["msg"].removeprefix("Value error, ")
        if problem["type"] == "extra_forbidden":
            message = "unknown field (check the spelling against AWS CreateJob)"
        lines.append(f"{source}: {path or '(top level)'}: {message}")
    return "\n".join(lines)


def parse_job_spec(text: str, source: str = "job file") -> JobSpec:
    """Parse a job file's text; raises InputError naming the field path on bad input."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", f"{source} line {exc.lineno} column {exc.colno}") from None
    if not isinstance(data, dict):
        raise InputError("expected a JSON object at the top level", source)
    try:
        return JobSpec.model_validate(data)
    except ValidationError as exc:
        raise InputError(describe_validation_error(exc, source)) from None


def load_job_spec(path: Path) -> JobSpec:
    """Read and parse a job file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", str(path)) from None
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", str(path)) from None
    return parse_job_spec(text, str(path))
