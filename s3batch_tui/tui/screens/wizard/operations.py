"""The operations the wizard offers, their form fields, and form values → AWS parameters.

UI-free: a form shows `OperationInfo.fields` and hands back raw values (text, choices,
booleans, tag pairs); `build_params` turns them into the `JobOperation` member's
parameters in CreateJob shape, and `rule_problems` adds the checks the models leave to
the wizard (a copy needs a destination, a delete needs its confirmation...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, get_args

from s3batch_tui.core.browse import bucket_arn
from s3batch_tui.core.spec import S3_ARN_PREFIX, CannedAcl, ChecksumAlgorithm, StorageClass
from s3batch_tui.core.spec.s3_rules import bucket_name_problem, local_handler_problem, tag_set_problems

PUBLIC_ACLS = {
    "public-read": "readable by anyone on the internet",
    "public-read-write": "readable and writable by anyone on the internet",
    "authenticated-read": "readable by every AWS account",
}
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class FormField:
    """One input of an operation form.

    Attributes:
        key: dotted path inside the operation's parameters (`Retention.Mode`).
        label: what the form calls it.
        kind: text, select, checkbox, bucket (a bucket ARN from `s3://b`, `b` or a path),
            pairs (`k=v, k2=v2` → a dict), tags (a list of (key, value)) or date.
        choices: the options of a select.
        default: the initial value.
        placeholder: the hint shown in an empty text input.
        help: one line under the input.
        required: the wizard refuses an empty value (an unticked checkbox).
        side: what the label column says next to a checkbox (whose own text is `label`).
    """

    key: str
    label: str
    kind: str = "text"
    choices: tuple[str, ...] = ()
    default: Any = None
    placeholder: str = ""
    help: str = ""
    required: bool = False
    side: str = ""

    @property
    def path(self) -> tuple[str, ...]:
        """`key` split on dots."""
        return tuple(self.key.split("."))


@dataclass(frozen=True)
class OperationInfo:
    """An operation as the wizard offers it."""

    name: str
    title: str
    summary: str
    fields: tuple[FormField, ...] = ()
    aws_only: bool = False


_METADATA_KEYS = ("NewObjectMetadata.ContentType", "NewObjectMetadata.CacheControl", "NewObjectMetadata.UserMetadata")
OPERATIONS: tuple[OperationInfo, ...] = (
    OperationInfo("S3PutObjectTagging", "Replace tags", "Replace each object's whole tag set (PutObjectTagging).", (
        FormField("TagSet", "Tags", "tags", help="At most 10; they replace each object's existing tags"),
    )),
    OperationInfo("S3DeleteObjectTagging", "Delete tags", "Remove every tag of each object (DeleteObjectTagging)."),
    OperationInfo("S3PutObjectCopy", "Copy objects", "Copy each object to a bucket (CopyObject; multipart > 5 GB).", (
        FormField("TargetResource", "Destination bucket", "bucket", required=True,
                  placeholder="s3://bucket, a bucket ARN or a local dir"),
        FormField("TargetKeyPrefix", "Key prefix", placeholder="none: same key",
                  help="New key = prefix + '/' + source key"),
        FormField("StorageClass", "Storage class", "select", get_args(StorageClass)),
        FormField("MetadataDirective", "Metadata", "select", ("COPY", "REPLACE"), default="COPY"),
        FormField("NewObjectMetadata.ContentType", "Content-Type (REPLACE)", placeholder="e.g. text/csv"),
        FormField("NewObjectMetadata.CacheControl", "Cache-Control (REPLACE)", placeholder="e.g. max-age=3600"),
        FormField("NewObjectMetadata.UserMetadata", "User metadata (REPLACE)", "pairs",
                  placeholder="key=value, key2=value2"),
        FormField("CannedAccessControlList", "Canned ACL", "select", get_args(CannedAcl)),
        FormField("ChecksumAlgorithm", "Checksum algorithm", "select", get_args(ChecksumAlgorithm)),
    )),
    OperationInfo("S3PutObjectAcl", "Set ACL", "Replace each object's access control list with a canned ACL.", (
        FormField("AccessControlPolicy.CannedAccessControlList", "Canned ACL", "select", get_args(CannedAcl),
                  default="private", required=True,
                  help="public-read, public-read-write and authenticated-read expose the objects"),
    )),
    OperationInfo("S3InitiateRestoreObject", "Restore from archive", "Start restoring archived objects.", (
        FormField("ExpirationInDays", "Keep the copy for (days)", default="1", placeholder="1",
                  help="Glacier classes need at least 1 day"),
        FormField("GlacierJobTier", "Retrieval tier", "select", ("BULK", "STANDARD"), default="BULK"),
    )),
    OperationInfo("LambdaInvoke", "Invoke Lambda", "Call a function per object (AWS Lambda or a python: handler).", (
        FormField("FunctionArn", "Function", required=True, placeholder="arn:aws:lambda:... or python:module:function"),
        FormField("InvocationSchemaVersion", "Invocation schema", "select", ("1.0", "2.0"), default="2.0"),
        FormField("UserArguments", "User arguments", "pairs", placeholder="key=value, key2=value2",
                  help="Schema 2.0 only; at most 10, passed to the function as job.userArguments"),
    )),
    OperationInfo("S3PutObjectLegalHold", "Legal hold", "Turn the Object Lock legal hold on or off.", (
        FormField("LegalHold.Status", "Legal hold", "select", ("ON", "OFF"), default="ON", required=True),
    )),
    OperationInfo("S3PutObjectRetention", "Retention", "Set Object Lock retention (mode and date).", (
        FormField("Retention.Mode", "Mode", "select", ("GOVERNANCE", "COMPLIANCE"), default="GOVERNANCE",
                  required=True),
        FormField("Retention.RetainUntilDate", "Retain until", "date", placeholder="YYYY-MM-DD or 2030-01-01T00:00:00Z",
                  required=True),
        FormField("BypassGovernanceRetention", "Bypass governance retention", "checkbox", default=False,
                  side="Governance"),
    )),
    OperationInfo("S3ComputeObjectChecksum", "Compute checksum", "Read each object and report its checksum.", (
        FormField("ChecksumAlgorithm", "Algorithm", "select", get_args(ChecksumAlgorithm), default="CRC64NVME",
                  required=True),
        FormField("ChecksumType", "Checksum type", "select", ("FULL_OBJECT", "COMPOSITE"), default="FULL_OBJECT"),
    )),
    OperationInfo("LocalDeleteObject", "Delete objects (local)", "Delete each object or version (DeleteObjects).", (
        FormField("Confirmed", "I understand this deletes {objects}", "checkbox", default=False, required=True,
                  side="Confirmation"),
    )),
    OperationInfo("S3ReplicateObject", "Replicate (AWS only)", "Batch Replication runs only on AWS.", aws_only=True),
    OperationInfo("S3UpdateObjectEncryption", "Update encryption (AWS only)", "Runs only on AWS.", aws_only=True),
)  # fmt: skip
BY_NAME = {info.name: info for info in OPERATIONS}


def objects_text(task_count: int | None) -> str:
    """`1,234 objects`, or `every object in the manifest` while the count is unknown."""
    if task_count is None:
        return "every object in the manifest"
    return f"{task_count:,} object{'' if task_count == 1 else 's'}"


def field_label(field: FormField, task_count: int | None = None) -> str:
    """The field's label, with `{objects}` filled in."""
    return field.label.replace("{objects}", objects_text(task_count))


def default_values(info: OperationInfo) -> dict[str, Any]:
    """The initial form values of an operation."""
    return {f.key: ([] if f.kind == "tags" else f.default) for f in info.fields}


def parse_pairs(text: str) -> dict[str, str]:
    """`k=v, k2=v2` → `{"k": "v", "k2": "v2"}`.

    Raises:
        ValueError: an item without `=` or with an empty key.
    """
    pairs: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"expected key=value, got {item!r}")
        pairs[key.strip()] = value.strip()
    return pairs


def _convert(field: FormField, value: Any) -> Any:
    """A form value as the model takes it; None when the field is left out."""
    if field.kind == "checkbox":
        return bool(value) if value or field.required else None
    if field.kind == "tags":
        tags = [{"Key": k, "Value": v} for k, v in value or [] if k or v]
        return tags if tags or field.key == "TagSet" else None
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if field.kind == "bucket":
        return bucket_arn(value)
    if field.kind == "pairs":
        try:
            return parse_pairs(value)
        except ValueError:
            return None  # rule_problems reports it
    if field.kind == "date":
        text = value.strip()
        return f"{text}T00:00:00Z" if _DATE_ONLY.match(text) else text
    return value.strip() if isinstance(value, str) else value


def build_params(name: str, values: dict[str, Any]) -> dict[str, Any]:
    """The parameters of operation `name` in CreateJob shape, from its form values."""
    params: dict[str, Any] = {}
    for field in BY_NAME[name].fields:
        converted = _convert(field, values.get(field.key, field.default))
        if converted is None:
            continue
        target = params
        for part in field.path[:-1]:
            target = target.setdefault(part, {})
        target[field.path[-1]] = converted
    return params


def rule_problems(name: str, values: dict[str, Any]) -> list[tuple[str, str]]:
    """(field key, message) for what the wizard requires beyond the models."""
    info = BY_NAME[name]
    problems = []
    if info.aws_only:
        problems.append(("", f"{name} runs only on AWS S3 Batch Operations; choose another operation"))
    for field in info.fields:
        value = values.get(field.key, field.default)
        if field.kind == "pairs" and isinstance(value, str) and value.strip():
            try:
                parse_pairs(value)
            except ValueError as exc:
                problems.append((field.key, f"{field_label(field)}: {exc}"))
        if field.required and (value is None or value is False or (isinstance(value, str) and not value.strip())):
            if field.kind == "checkbox":
                problems.append((field.key, f"{field.side}: tick “{field_label(field)}” to go on"))
            else:
                problems.append((field.key, f"{field.label}: required"))
        problems += [(field.key, f"{field.label}: {text}") for text in _s3_rule_problems(field, value)]
    if name == "S3PutObjectCopy" and values.get("MetadataDirective") != "REPLACE":
        fields = {f.key: f for f in info.fields}
        for key in _METADATA_KEYS:
            if _convert(fields[key], values.get(key)) is not None:
                problems.append((key, "new metadata needs Metadata = REPLACE (COPY keeps the source's)"))
    user_arguments = (values.get("UserArguments") or "").strip()
    if name == "LambdaInvoke" and values.get("InvocationSchemaVersion") != "2.0" and user_arguments:
        problems.append(("UserArguments", "user arguments need invocation schema 2.0"))
    return problems


def _s3_rule_problems(field: FormField, value: Any) -> list[str]:
    """What S3 or AWS would refuse in a field's value (so every task would fail)."""
    if field.kind == "tags":
        return tag_set_problems((k, v) for k, v in value or [] if k or v)
    if field.kind == "bucket" and isinstance(value, str) and value.strip():
        arn = bucket_arn(value)
        if arn.startswith(S3_ARN_PREFIX) and "/" not in arn:  # with a path, the model's message says it
            problem = bucket_name_problem(arn[len(S3_ARN_PREFIX):])
            return [problem] if problem else []
    if field.key == "FunctionArn" and isinstance(value, str) and value.strip().startswith("python:"):
        problem = local_handler_problem(value.strip())
        return [problem] if problem else []
    return []


def destructive_warning(name: str, values: dict[str, Any], task_count: int | None) -> str | None:
    """What an operation destroys or exposes, for the form and the confirmation; None when harmless."""
    objects = objects_text(task_count)
    if name == "LocalDeleteObject":
        return (f"Deletes {objects}. Deleted objects cannot be recovered, unless the bucket keeps versions "
                "and the manifest names no version ids (then S3 only adds delete markers).")  # fmt: skip
    acl = values.get("AccessControlPolicy.CannedAccessControlList") if name == "S3PutObjectAcl" else None
    if name == "S3PutObjectCopy":
        acl = values.get("CannedAccessControlList")
    if acl in PUBLIC_ACLS:
        what = "Makes" if name == "S3PutObjectAcl" else "Makes the copies of"
        return f"{what} {objects} {PUBLIC_ACLS[acl]} (ACL {acl})."
    if name == "S3PutObjectTagging" and not any(k or v for k, v in values.get("TagSet") or []):
        return f"No tags given: this removes every tag from {objects}."
    if name == "S3PutObjectRetention" and values.get("Retention.Mode") == "COMPLIANCE":
        until = values.get("Retention.RetainUntilDate") or "the retain-until date"
        return (f"COMPLIANCE retention on {objects}: nobody, not even the root user, can delete or overwrite "
                f"them or shorten the retention until {until}.")  # fmt: skip
    return None
