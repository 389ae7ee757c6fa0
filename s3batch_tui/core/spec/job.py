"""The job: pydantic models of AWS `CreateJob` (PascalCase aliases, SPEC.md section 1).

A JSON file written for `aws s3control create-job --cli-input-json` loads unchanged;
dumping with `to_json_dict()` gives the same shape back. Local extensions are
namespaced (`LocalOptions`, `Local*` operations, `file://` locations) so that the
AWS submit path can refuse them by name (`local_extensions()`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from s3batch_tui.core.clip import clip
from s3batch_tui.core.errors import InputError
from s3batch_tui.core.json_input import parse_json
from s3batch_tui.core.spec.base import GIB, MIB, AwsModel, Tag, is_local_uri
from s3batch_tui.core.spec.base import _check_bucket_arn
from s3batch_tui.core.spec.manifest import Manifest, ManifestGenerator
from s3batch_tui.core.spec.model_check import check_create_job
from s3batch_tui.core.spec.operations import JobOperation
from s3batch_tui.core.spec.suggest import did_you_mean


__all__ = [
    "FailureThreshold",
    "JobReport",
    "JobSpec",
    "LocalOptions",
    "describe_validation_error",
    "load_job_spec",
    "local_extensions",
    "parse_job_spec",
]

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
    outage_budget_seconds: float = Field(default=600.0, ge=0)
    """How long the endpoint may stay unreachable before the job pauses (resume with `job run`)."""
    outage_probe_seconds: float = Field(default=1.0, gt=0, le=60)
    """Wait before the first probe of an unreachable endpoint; each next wait doubles (up to 30x)."""
    request_path: Literal["auto", "boto3"] = "auto"
    """"auto": the lean awscrt path for the operations it covers (tagging), boto3 for the rest;
    "boto3": boto3 for everything."""


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
        path = clip(path)  # a field name is user input too
        message = problem["msg"].removeprefix("Value error, ")
        if problem["type"] == "extra_forbidden":
            message = "unknown field (check the spelling against AWS CreateJob)" + did_you_mean(JobSpec, problem["loc"])
        lines.append(f"{source}: {path or '(top level)'}: {message}")
    return "\n".join(lines)


def parse_job_spec(text: str, source: str = "job file") -> JobSpec:
    """Parse a job file's text; raises InputError naming the member path on bad input.

    The document is checked first against botocore's CreateJob model as written (exact
    names, no coercion, every length, range, enum and pattern), local extensions set
    aside; then the pydantic models check the extensions and the local rules.
    """
    data = parse_json(text, source)
    if not isinstance(data, dict):
        raise InputError("expected a JSON object at the top level", source)
    problems = check_create_job(data)
    if problems:
        raise InputError("\n".join(f"{source}: {problem}" for problem in problems))
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
