"""A job spec in words: what it does to which objects, where the report goes, how it runs.

Plain strings for any front end (the TUI inspector shows them as a two-column panel).
Parameters without a sentence of their own are still listed (`also: Field=value`), so a
reader never misses something the job file asks for.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import unquote_plus

from pydantic import BaseModel

from s3batch_tui.core.operations.copy import destination_key
from s3batch_tui.core.spec import (
    GIB,
    MIB,
    S3_ARN_PREFIX,
    AwsModel,
    ComputeObjectChecksum,
    Grant,
    InitiateRestoreObject,
    JobReport,
    JobSpec,
    LambdaInvoke,
    LocalDeleteObject,
    Manifest,
    ObjectMetadata,
    PutObjectAcl,
    PutObjectCopy,
    PutObjectLegalHold,
    PutObjectRetention,
    PutObjectTagging,
    S3JobManifestGenerator,
    Tag,
    is_local_uri,
    local_path,
)

PUBLIC_CANNED = frozenset({"public-read", "public-read-write", "authenticated-read"})
GROUPS = {
    "http://acs.amazonaws.com/groups/global/AllUsers": "everyone (AllUsers)",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers": "any AWS account (AuthenticatedUsers)",
    "http://acs.amazonaws.com/groups/s3/LogDelivery": "S3 log delivery",
}
PUBLIC_WARNING = " — makes objects PUBLIC"
METADATA_NAMES = {
    "content_type": "Content-Type", "cache_control": "Cache-Control", "content_disposition": "Content-Disposition",
    "content_encoding": "Content-Encoding", "content_language": "Content-Language", "http_expires_date": "Expires",
    "sse_algorithm": "encryption",
}  # fmt: skip


def decoded_key(raw_key: str) -> str:
    """A manifest key (URL-encoded, `+` = space) as the object key itself."""
    return unquote_plus(raw_key)


def tag_text(tags: list[Tag]) -> str:
    """`team=data, env=prod`."""
    return ", ".join(f"{tag.key}={tag.value}" for tag in tags)


def size_text(size: int) -> str:
    """`5368709120` → `5 GiB`; sizes that are not whole MiB stay in bytes."""
    if size % MIB:
        return f"{size:,} bytes"
    return f"{size / GIB:,.4g} GiB" if size >= GIB else f"{size // MIB:,} MiB"


def when(moment: datetime) -> str:
    """A spec date, short: `2027-01-01` at midnight, else `2027-01-01 12:30 UTC`."""
    if (moment.hour, moment.minute, moment.second) == (0, 0, 0):
        return moment.strftime("%Y-%m-%d")
    zone = f" {moment.tzname()}" if moment.tzinfo else ""
    return moment.strftime("%Y-%m-%d %H:%M") + zone


def bucket_place(location: str, prefix: str | None = None) -> str:
    """A bucket ARN (or `file://` directory) and prefix as `s3://bucket/prefix/` or a local directory."""
    tail = f"{prefix.rstrip('/')}/" if prefix else ""
    if is_local_uri(location):
        return f"local directory {str(local_path(location)).rstrip('/')}/{tail}"
    return f"s3://{location.removeprefix(S3_ARN_PREFIX)}/{tail}"


def _also(params: AwsModel, explained: set[str]) -> str:
    """`; also: Field=value` for parameters given but not explained (empty when none)."""
    rest = [
        f"{type(params).model_fields[name].alias or name}={_json(getattr(params, name))}"
        for name in sorted(params.model_fields_set - explained)
        if name in type(params).model_fields and getattr(params, name) is not None
    ]
    rest += [f"{name}={_json(value)}" for name, value in (params.model_extra or {}).items()]
    return f"; also: {', '.join(rest)}" if rest else ""


def _json(value: Any) -> str:
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json", by_alias=True, exclude_none=True)
    elif isinstance(value, list):
        value = [v.model_dump(mode="json", by_alias=True, exclude_none=True) if isinstance(v, BaseModel) else v
                 for v in value]  # fmt: skip
    if isinstance(value, datetime):
        return when(value)
    return value if isinstance(value, str) else json.dumps(value, default=str)


# --- operations --------------------------------------------------------------------------


def _metadata(metadata: ObjectMetadata | None) -> str:
    if metadata is None:
        return "metadata replaced (left empty)"
    parts = [f"{label} {_json(getattr(metadata, name))}" for name, label in METADATA_NAMES.items()
             if getattr(metadata, name) is not None]  # fmt: skip
    if metadata.user_metadata:
        parts.append("user metadata " + ", ".join(f"{k}={v}" for k, v in metadata.user_metadata.items()))
    return "metadata replaced: " + (", ".join(parts) or "(empty)")


def _copy(p: PutObjectCopy) -> str:
    if p.target_resource is None:
        target = "the same bucket"
    elif is_local_uri(p.target_resource):
        target = f"local directory {local_path(p.target_resource)}"
    else:
        target = f"bucket {p.target_resource.removeprefix(S3_ARN_PREFIX)}"
    text = f"Copy each object to {target}"
    if p.target_key_prefix:
        text += f" under prefix {p.target_key_prefix} (key becomes {destination_key('<key>', p.target_key_prefix)})"
    else:
        text += " (same key)"
    extras = []
    if p.storage_class:
        extras.append(f"storage class {p.storage_class}")
    extras.append(_metadata(p.new_object_metadata) if p.metadata_directive == "REPLACE" else "metadata copied")
    if p.new_object_tagging is not None:
        extras.append(f"tags set to {tag_text(p.new_object_tagging)}" if p.new_object_tagging else "tags removed")
    if p.canned_access_control_list:
        warning = PUBLIC_WARNING if p.canned_access_control_list in PUBLIC_CANNED else ""
        extras.append(f"ACL {p.canned_access_control_list}{warning}")
    if p.access_control_grants:
        extras.append("ACL grants " + ", ".join(_grant(g) for g in p.access_control_grants))
    if p.sse_aws_kms_key_id:
        extras.append(f"encrypted with KMS key {p.sse_aws_kms_key_id}")
    if p.object_lock_mode:
        until = f" until {when(p.object_lock_retain_until_date)}" if p.object_lock_retain_until_date else ""
        extras.append(f"Object Lock {p.object_lock_mode}{until}")
    if p.object_lock_legal_hold_status:
        extras.append(f"legal hold {p.object_lock_legal_hold_status}")
    explained = {"target_resource", "target_key_prefix", "storage_class", "metadata_directive", "new_object_metadata",
                 "new_object_tagging", "canned_access_control_list", "access_control_grants", "sse_aws_kms_key_id",
                 "object_lock_mode", "object_lock_retain_until_date", "object_lock_legal_hold_status"}  # fmt: skip
    return ", ".join([text, *extras]) + _also(p, explained)


def _tagging(p: PutObjectTagging) -> str:
    if not p.tag_set:
        return "Remove every tag of each object (an empty tag set replaces them)"
    return f"Replace the tags of each object with {tag_text(p.tag_set)}"


def _grant(grant: Grant) -> str:
    grantee = grant.grantee
    if grantee is None or grantee.identifier is None:
        who = "(nobody named)"
    elif grantee.type_identifier == "uri":
        who = GROUPS.get(grantee.identifier, grantee.identifier)
    elif grantee.type_identifier == "emailAddress":
        who = grantee.identifier
    else:
        who = f"account {grantee.display_name or grantee.identifier}"
    return f"{grant.permission or '?'} to {who}"


def _is_public(grant: Grant) -> bool:
    return bool(grant.grantee and grant.grantee.type_identifier == "uri" and grant.grantee.identifier in
                ("http://acs.amazonaws.com/groups/global/AllUsers",
                 "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"))  # fmt: skip


def _acl(p: PutObjectAcl) -> str:
    policy = p.access_control_policy
    if policy is None:
        return "Set the ACL of each object (no policy given)"
    if policy.canned_access_control_list:
        canned = policy.canned_access_control_list
        return f"Set the ACL of each object to {canned}" + (PUBLIC_WARNING if canned in PUBLIC_CANNED else "")
    acl = policy.access_control_list
    grants = acl.grants or []
    owner = acl.owner.display_name or acl.owner.id or "?"
    text = f"Replace the ACL of each object: owner {owner}, grants " + (", ".join(map(_grant, grants)) or "none")
    return text + (PUBLIC_WARNING if any(map(_is_public, grants)) else "")


def _restore(p: InitiateRestoreObject) -> str:
    text = "Start restoring each archived object"
    if p.expiration_in_days is not None:
        text += f" for {p.expiration_in_days} day{'s' if p.expiration_in_days != 1 else ''}"
    if p.glacier_job_tier:
        text += f", {p.glacier_job_tier} tier"
    return text + " (a task succeeds once its restore has started)"


def _lambda(p: LambdaInvoke) -> str:
    schema = p.invocation_schema_version or "1.0"
    if p.function_arn.startswith("python:"):
        text = f"Call the local Python handler {p.function_arn.removeprefix('python:')}"
    else:
        text = f"Invoke Lambda function {p.function_arn}"
    text += f" for each object (schema {schema})"
    if p.user_arguments:
        text += " with user arguments " + ", ".join(f"{k}={v}" for k, v in p.user_arguments.items())
    return text


def _legal_hold(p: PutObjectLegalHold) -> str:
    if p.legal_hold.status == "ON":
        return "Put a legal hold on each object (it cannot be deleted until the hold is removed)"
    return "Remove the legal hold from each object"


def _retention(p: PutObjectRetention) -> str:
    retention = p.retention
    if retention.mode is None and retention.retain_until_date is None:
        text = "Remove the retention of each object"
    else:
        until = f" until {when(retention.retain_until_date)}" if retention.retain_until_date else ""
        text = f"Lock each object in {retention.mode or '?'} mode{until}"
        if retention.mode == "COMPLIANCE":
            text += " — nobody can shorten or remove it, not even the root user"
    if p.bypass_governance_retention:
        text += ", bypassing governance retention"
    return text + _also(retention, {"mode", "retain_until_date"})


def _checksum(p: ComputeObjectChecksum) -> str:
    return (f"Compute the {p.checksum_algorithm} checksum ({p.checksum_type or 'FULL_OBJECT'}) of each object "
            "into the report; objects are not changed")  # fmt: skip


def _delete(p: LocalDeleteObject) -> str:
    confirmed = "confirmed in the job file" if p.confirmed else "runs only with Confirmed: true or --yes-delete"
    return f"Delete each listed object (or version) — DESTRUCTIVE, {confirmed}"


OPERATIONS: dict[str, Callable[[Any], str]] = {
    "S3PutObjectCopy": _copy,
    "S3PutObjectTagging": _tagging,
    "S3DeleteObjectTagging": lambda p: "Delete every tag of each object",
    "S3PutObjectAcl": _acl,
    "S3InitiateRestoreObject": _restore,
    "LambdaInvoke": _lambda,
    "S3PutObjectLegalHold": _legal_hold,
    "S3PutObjectRetention": _retention,
    "S3ComputeObjectChecksum": _checksum,
    "S3ReplicateObject": lambda p: "Replicate each object (runs only on AWS S3 Batch Operations)" + _also(p, set()),
    "S3UpdateObjectEncryption": lambda p: "Change the encryption of each object (runs only on AWS S3 Batch Operations)"
    + _also(p, set()),
    "LocalDeleteObject": _delete,
}
"""AWS member name → its sentence."""


def describe_operation(spec: JobSpec) -> str:
    """The operation in one sentence."""
    return OPERATIONS[spec.operation.name](spec.operation.params)


# --- manifest, report, options ---------------------------------------------------------


def _manifest(manifest: Manifest) -> str:
    location = manifest.location
    if is_local_uri(location.object_arn):
        where = location.object_arn
    else:
        bucket, key = location.bucket_and_key
        where = f"s3://{bucket}/{key}"
        if location.object_version_id:
            where += f" (version {location.object_version_id})"
        where += f", ETag {location.etag}"
    if manifest.spec.format == "S3InventoryReport_CSV_20161130":
        return f"S3 Inventory report {where}"
    return f"CSV manifest {where} (columns {', '.join(manifest.spec.fields or ['Bucket', 'Key'])})"


def _generator(generator: S3JobManifestGenerator) -> str:
    text = f"Objects listed from bucket {generator.source_bucket.removeprefix(S3_ARN_PREFIX)}"
    found = generator.filter
    parts = []
    if found is not None:
        names = found.key_name_constraint
        for label, values in (("matching prefixes", names and names.match_any_prefix),
                              ("ending in", names and names.match_any_suffix),
                              ("containing", names and names.match_any_substring),
                              ("in storage classes", found.match_any_storage_class)):  # fmt: skip
            if values:
                parts.append(f"{label} {', '.join(values)}")
        if found.created_after:
            parts.append(f"created after {when(found.created_after)}")
        if found.created_before:
            parts.append(f"created before {when(found.created_before)}")
        if found.object_size_greater_than_bytes is not None:
            parts.append(f"larger than {found.object_size_greater_than_bytes:,} bytes")
        if found.object_size_less_than_bytes is not None:
            parts.append(f"smaller than {found.object_size_less_than_bytes:,} bytes")
        explained = {"key_name_constraint", "match_any_storage_class", "created_after", "created_before",
                     "object_size_greater_than_bytes", "object_size_less_than_bytes"}  # fmt: skip
        text_also = _also(found, explained)
    else:
        text_also = ""
    text = ", ".join([text, *parts]) if parts else text + " (every object)"
    output = generator.manifest_output_location
    if generator.enable_manifest_output and output is not None:
        text += f"; the list is saved to {bucket_place(output.bucket, output.manifest_prefix)}"
    return text + text_also


def _report(report: JobReport) -> str:
    if not report.enabled:
        return "No report"
    scope = "All tasks" if report.scope == "AllTasks" else "Failed tasks only"
    return f"{scope}, to {bucket_place(report.bucket or '', report.prefix)}"


def describe_spec(spec: JobSpec) -> list[tuple[str, str]]:
    """The job in words: (label, sentence) pairs, most important first."""
    options = spec.options
    threshold = options.failure_threshold
    rate = options.max_operations_per_second
    lines = [
        ("Operation", describe_operation(spec)),
        ("Manifest", _manifest(spec.manifest) if spec.manifest else
                     _generator(spec.manifest_generator.s3_job_manifest_generator)),
        ("Report", _report(spec.report)),
        ("Confirmation", "Waits in Suspended until you confirm it" if spec.confirmation_required
                         else "Runs without asking for confirmation"),
        ("Priority", f"{spec.priority} (higher runs first)"),
        ("Rate limit", f"At most {rate:,g} operations per second" if rate else "None: as fast as the workers go"),
        ("Fails when", f"More than {threshold.max_failed_percent:g}% of tasks failed, once {threshold.min_tasks:,} "
                       "have run"),
        ("Retries", f"Up to {options.max_attempts} attempts per task for throttling, 5xx and connection errors"),
    ]  # fmt: skip
    if spec.operation.name == "S3PutObjectCopy":
        lines.append(("Large objects", f"Copied in parts of {size_text(options.multipart_copy_part_size_bytes)} "
                                       f"when larger than {size_text(options.multipart_copy_threshold_bytes)}"))
    if spec.tags:
        lines.append(("Job tags", tag_text(spec.tags)))
    if spec.role_arn:
        lines.append(("IAM role", f"{spec.role_arn} (used on AWS)"))
    return lines
