"""Preflight: before any object is touched, check what a job needs from its environment.

Credentials resolvable, the endpoint reachable, the buckets the job names (manifest,
generator source, copy target, report, and the bucket of the manifest's first row)
existing, and the report location accepting a write. Each problem is one
`PreflightError` naming what and where; nothing is stored before it passes.

The report write test puts an empty object `<report base>/.s3batch-tui-preflight-<uuid>`
and deletes that exact version, so a versioned bucket keeps no delete marker. A local
report directory is checked with `os.access` on its nearest existing ancestor.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from s3batch_tui.core.clip import clip, clip_repr
from s3batch_tui.core.engine.retry import NO_HTTP_STATUS, outcome_from_exception
from s3batch_tui.core.errors import InputError
from s3batch_tui.core.manifest.open import open_manifest
from s3batch_tui.core.report.writer import report_base_key
from s3batch_tui.core.retry_call import call_with_retries
from s3batch_tui.core.s3 import ClientFactory
from s3batch_tui.core.spec import JobSpec, bucket_from_arn, is_local_uri, local_path


class PreflightError(InputError):
    """The environment cannot run the job (credentials, endpoint, buckets, report location)."""

    def __init__(self, what: str, where: str = "", code: str = "PreflightFailed") -> None:
        super().__init__(what, where, code)


def needs_s3(spec: JobSpec) -> bool:
    """Whether the job sends any S3 request (only a local Lambda over local files does not)."""
    operation = spec.operation
    local_lambda = operation.name == "LambdaInvoke" and operation.params.function_arn.startswith("python:")
    manifest_local = spec.manifest is not None and is_local_uri(spec.manifest.location.object_arn)
    report_local = not spec.report.enabled or is_local_uri(spec.report.bucket or "")
    return not (local_lambda and manifest_local and report_local)


def check_credentials(clients: ClientFactory) -> None:
    """Raise unless boto3 resolves credentials (profile, environment, files, instance role)."""
    try:
        credentials = clients.session.get_credentials()
    except BotoCoreError as exc:  # e.g. a credential_process that fails
        raise PreflightError(f"AWS credentials could not be loaded: {clip(str(exc))}", "credentials",
                             "CredentialsError") from None  # fmt: skip
    if credentials is None:
        raise PreflightError(
            "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE or "
            "--profile (and AWS_ENDPOINT_URL or --endpoint-url for other S3 servers)",
            "credentials",
            "NoCredentials",
        )


def named_buckets(spec: JobSpec) -> dict[str, str]:
    """Bucket name -> the field that names it, for every bucket the job file names."""
    named: dict[str, str] = {}
    if spec.manifest is not None and not is_local_uri(spec.manifest.location.object_arn):
        named.setdefault(spec.manifest.location.bucket_and_key[0], "Manifest.Location.ObjectArn")
    if spec.manifest_generator is not None:
        source = spec.manifest_generator.s3_job_manifest_generator.source_bucket
        named.setdefault(bucket_from_arn(source), "ManifestGenerator.SourceBucket")
    copy = spec.operation.s3_put_object_copy
    if copy is not None and copy.target_resource and not is_local_uri(copy.target_resource):
        named.setdefault(bucket_from_arn(copy.target_resource), "Operation.S3PutObjectCopy.TargetResource")
    if spec.report.enabled and spec.report.bucket and not is_local_uri(spec.report.bucket):
        named.setdefault(bucket_from_arn(spec.report.bucket), "Report.Bucket")
    return named


def first_row_bucket(spec: JobSpec, s3: Any) -> str | None:
    """The bucket of the manifest's first object, or None: no manifest yet (generator), a
    Lambda job (its objects are the function's business), or a manifest that cannot be
    read (Preparing describes that, with line and column)."""
    if spec.manifest is None or spec.operation.name == "LambdaInvoke":
        return None
    try:
        entries = open_manifest(spec.manifest, s3).entries()
        try:
            return next(entries).bucket
        finally:
            entries.close()
    except (InputError, StopIteration, ClientError, BotoCoreError):
        return None


def check_bucket(s3: Any, bucket: str, where: str) -> None:
    """HeadBucket: raise when the endpoint cannot be reached or the bucket does not exist.

    403 passes: credentials scoped to objects may not see the bucket, yet run the job.
    """
    try:
        call_with_retries(lambda: s3.head_bucket(Bucket=bucket))
    except (ClientError, BotoCoreError) as exc:
        outcome = outcome_from_exception(exc)
        if outcome.http_status == NO_HTTP_STATUS:
            if outcome.retryable:
                raise unreachable(s3, exc) from None
            return  # not a request at all (e.g. a bucket name botocore refuses): Preparing names it
        if outcome.http_status == 403:
            return
        if outcome.http_status == 404 or outcome.error_code in ("NoSuchBucket", "404"):
            raise PreflightError(f"bucket {clip_repr(bucket)} does not exist", where, "NoSuchBucket") from None
        raise PreflightError(f"HeadBucket on {clip_repr(bucket)} answered {outcome.http_status} "
                             f"{outcome.error_code}: {clip(outcome.message)}", where, outcome.error_code) from None  # fmt: skip


def unreachable(s3: Any, exc: BaseException) -> PreflightError:
    """The error for an endpoint that gave no HTTP answer, naming it and the connection error."""
    endpoint = s3.meta.endpoint_url
    return PreflightError(f"cannot reach the S3 endpoint {endpoint}: {clip(str(exc))}", "endpoint", "EndpointUnreachable")


def check_report_writable(spec: JobSpec, s3: Any, job_id: str) -> None:
    """Write and delete a tiny object where the report goes (see the module docstring)."""
    if not spec.report.enabled or not spec.report.bucket:
        return
    base = report_base_key(job_id, spec.report.prefix)
    if is_local_uri(spec.report.bucket):
        _check_local_dir(local_path(spec.report.bucket) / base)
        return
    bucket = bucket_from_arn(spec.report.bucket)
    key = f"{base}/.s3batch-tui-preflight-{uuid.uuid4().hex}"
    owner = {"ExpectedBucketOwner": spec.report.expected_bucket_owner} if spec.report.expected_bucket_owner else {}
    try:
        put = call_with_retries(lambda: s3.put_object(Bucket=bucket, Key=key, Body=b"", **owner))
    except (ClientError, BotoCoreError) as exc:
        outcome = outcome_from_exception(exc)
        if outcome.http_status == NO_HTTP_STATUS:
            raise unreachable(s3, exc) from None
        raise PreflightError(
            f"the report location does not accept a write ({outcome.http_status} {outcome.error_code}: "
            f"{clip(outcome.message)})", "Report.Bucket", "ReportLocationNotWritable",
        ) from None  # fmt: skip
    version = {"VersionId": put["VersionId"]} if put.get("VersionId") else {}
    try:
        call_with_retries(lambda: s3.delete_object(Bucket=bucket, Key=key, **version, **owner))
    except (ClientError, BotoCoreError):
        pass  # written but not deleted (e.g. no s3:DeleteObject): harmless, and the job can still run


def _check_local_dir(directory: Path) -> None:
    existing = directory
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise PreflightError(f"{existing} is a file, not a directory", "Report.Bucket", "ReportLocationNotWritable")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise PreflightError(f"cannot write in {existing} (permission denied)", "Report.Bucket",
                             "ReportLocationNotWritable")  # fmt: skip


def preflight(spec: JobSpec, clients: ClientFactory, job_id: str, *, write_test: bool = True) -> None:
    """Every check, cheapest first; raises the first PreflightError found.

    `write_test=False` (dry run) changes nothing: the report location is only looked at.
    """
    if not needs_s3(spec):
        if write_test:
            check_report_writable(spec, None, job_id)
        return
    check_credentials(clients)
    s3 = clients.probe_client()
    named = named_buckets(spec)
    for bucket, where in named.items():
        check_bucket(s3, bucket, where)
    first = first_row_bucket(spec, s3)  # read after the checks above: they name a dead endpoint faster
    if first and first not in named:
        check_bucket(s3, first, "the bucket of the manifest's first row")
    if write_test:
        check_report_writable(spec, s3, job_id)
