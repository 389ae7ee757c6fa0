"""`JobOperation`: one model per operation and its parameters (SPEC.md section 3)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from s3batch_tui.core.spec.base import AwsModel, CannedAcl, ChecksumAlgorithm, StorageClass, Tag
from s3batch_tui.core.spec.base import _check_bucket_arn


__all__ = [
    "AccessControlList",
    "AccessControlPolicy",
    "AwsOnly",
    "ComputeObjectChecksum",
    "DeleteObjectTagging",
    "Grant",
    "Grantee",
    "HoldDuration",
    "InitiateRestoreObject",
    "JobOperation",
    "LambdaInvoke",
    "LegalHold",
    "LocalDeleteObject",
    "ObjectMetadata",
    "ObjectOwner",
    "PutObjectAcl",
    "PutObjectCopy",
    "PutObjectLegalHold",
    "PutObjectRetention",
    "PutObjectTagging",
    "Retention",
]

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
