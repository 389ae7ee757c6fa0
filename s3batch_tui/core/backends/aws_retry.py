"""Retry the failed tasks of a job on an S3 Control backend (AWS S3 Batch Operations, or `serve`).

S3 keeps a job's failed tasks only in its completion report, so the failed rows are
read from the report in S3, written as a CSV manifest (bucket, key[, version]),
uploaded, and a new job with the same operation, report and role is created over that
object (by ARN and ETag). The plan is computed first, so a front end can show it before
anything is uploaded or created. The upload's key is named by the CSV's digest and the
ClientRequestToken is kept in a file, so a retry after a network error uploads the same
object and S3 Control answers with the first job, not a second one.
"""

from __future__ import annotations

import csv
import hashlib
import io
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from s3batch_tui.core.engine.retrying import TransientError

from s3batch_tui.core.backends.submit import CSV_FORMAT, S3Prefix, kept_token
from s3batch_tui.core.errors import InputError, JobStateError
from s3batch_tui.core.formatting import plural
from s3batch_tui.core.report import open_report
from s3batch_tui.core.report.reader import ReportRow
from s3batch_tui.core.spec import S3_ARN_PREFIX

ENDED = ("Complete", "Failed", "Cancelled")


@dataclass(frozen=True)
class AwsRetryPlan:
    """What `retry_failed` will do, before it does it.

    Attributes:
        source_job_id: the job whose failed tasks are retried.
        failed: how many failed rows its report holds (the new job's task count).
        report: the report's manifest.json the rows come from.
        manifest: `s3://bucket/key` where the CSV manifest will be uploaded.
        fields: the CSV's columns (`Bucket, Key` or `Bucket, Key, VersionId`).
        operation: the new job's operation (the source's).
        report_summary: where the new job's report goes (the source's settings).
        digest: SHA-256 of the CSV, checked again when it is uploaded.
        request: the CreateJob parameters, Manifest and token still to come.
    """

    source_job_id: str
    failed: int
    report: str
    manifest: str
    fields: tuple[str, ...]
    operation: str
    report_summary: str
    digest: str
    request: dict[str, Any] = field(repr=False)

    def lines(self) -> list[str]:
        """The plan in words, one line per fact (for the CLI and a confirmation dialog)."""
        return [
            f"Retry {plural(self.failed, 'failed task')} of job {self.source_job_id}",
            f"  Failed rows from: {self.report}",
            f"  Manifest (CSV, {', '.join(self.fields)}) uploaded to: {self.manifest}",
            f"  New job: {self.operation}, {self.report_summary}, role {self.request.get('RoleArn')}",
        ]


def plan_retry(backend: Any, s3_client: Any, job_id: str, manifest_to: str | None = None) -> AwsRetryPlan:
    """Read the job's report and work out the retry job; uploads and creates nothing.

    Raises:
        JobStateError: the job has not ended, has no report, or no failed task.
        InputError: a bad `manifest_to`, or a report that cannot be read.
    """
    target = S3Prefix.parse(manifest_to) if manifest_to is not None else None
    job = backend.describe(job_id)
    if job.get("Status") not in ENDED:
        raise JobStateError(f"job {job_id} is {job.get('Status')}; retry its failed tasks once it has ended")
    location = backend.report_location(job_id)
    if location is None:
        raise JobStateError(f"job {job_id} has no completion report, and S3 keeps its failed tasks only there")
    report = open_report(location, s3_client)
    digest, count, fields = _csv_digest(report.rows())
    if count == 0:
        raise JobStateError(f"job {job_id} has no failed tasks (report {report.location})")
    name = f"retry-manifest-{digest[:16]}.csv"
    if target is None:  # beside the source's report: {Prefix}/job-{id}/
        bucket, _, key = report.location.removeprefix("s3://").partition("/")
        target = S3Prefix(bucket, key.rsplit("/", 1)[0])
    else:
        name = f"retry-{job_id}-{digest[:16]}.csv"
    settings = job["Report"]
    report_text = (f"{settings.get('ReportScope', 'AllTasks')} report to s3://{settings['Bucket'].rsplit(':::', 1)[-1]}"
                   f"/{settings.get('Prefix', '')}")  # fmt: skip
    request = {
        "Operation": job["Operation"],
        "Report": settings,
        "RoleArn": job["RoleArn"],
        "Priority": job.get("Priority", 10),
        "ConfirmationRequired": False,  # the plan was shown and accepted
        "Description": f"Retry of {count} failed tasks of job {job_id}"[:256],
    }
    return AwsRetryPlan(job_id, count, report.location, f"s3://{target.bucket}/{target.key(name)}", fields,
                        ", ".join(job["Operation"]), report_text, digest, request)  # fmt: skip


def submit_retry(backend: Any, s3_client: Any, plan: AwsRetryPlan, token_dir: Path) -> str:
    """Upload the plan's CSV manifest and create the retry job; returns its id.

    The token is kept in `token_dir` before CreateJob is sent: running this again after a
    network error sends the same request and gets the same job.
    """
    report = open_report(plan.report, s3_client)
    bucket, _, key = plan.manifest.removeprefix("s3://").partition("/")
    with tempfile.SpooledTemporaryFile(max_size=8 << 20) as body:
        digest, count, _ = _csv_digest(report.rows(), body)
        if digest != plan.digest:
            raise JobStateError(f"the report {plan.report} changed since the plan ({count} failed rows now); "
                                "look at the plan again")  # fmt: skip
        body.seek(0)
        try:
            etag = s3_client.put_object(Bucket=bucket, Key=key, Body=body, ContentType="text/csv")["ETag"]
        except (ClientError, BotoCoreError, TransientError) as exc:
            raise InputError(f"cannot upload the retry manifest: {exc}", plan.manifest) from None
    token_dir.mkdir(parents=True, exist_ok=True)
    token = kept_token(token_dir / f"retry-{plan.source_job_id}", "\0".join(
        (plan.manifest, plan.digest, backend.client.meta.endpoint_url, backend.account_id)))  # fmt: skip
    manifest = {
        "Spec": {"Format": CSV_FORMAT, "Fields": list(plan.fields)},
        "Location": {"ObjectArn": f"{S3_ARN_PREFIX}{bucket}/{key}", "ETag": etag.strip('"')},
    }
    return backend.create_request(plan.request | {"Manifest": manifest, "ClientRequestToken": token})


def _csv_digest(rows: Iterator[ReportRow], sink: Any = None) -> tuple[str, int, tuple[str, ...]]:
    """SHA-256, row count and columns of the failed rows as a CSV manifest (written to `sink` too)."""
    digest = hashlib.sha256()
    count = 0
    fields: tuple[str, ...] = ("Bucket", "Key")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        if row.succeeded:
            continue
        if count == 0 and row.version_id:  # a manifest gives versions on every row or on none
            fields = ("Bucket", "Key", "VersionId")
        count += 1
        writer.writerow([row.bucket, row.key, row.version_id or ""][: len(fields)])
        if buffer.tell() > 1 << 16:
            _flush(buffer, digest, sink)
    _flush(buffer, digest, sink)
    return digest.hexdigest(), count, fields


def _flush(buffer: io.StringIO, digest: Any, sink: Any) -> None:
    data = buffer.getvalue().encode()
    digest.update(data)
    if sink is not None:
        sink.write(data)
    buffer.seek(0)
    buffer.truncate()
