"""Hand a local job over: stop it at a checkpoint, submit the rest, end it with the link.

The order is what makes a crash (even SIGKILL) safe at any point:

1. The record (with a new ClientRequestToken) is written first: phase `preparing`.
2. The job's runner is asked to stop at a checkpoint and let go (`release`); every task
   is then either in the local staging files (done) or not started. The hand-over holds
   the job's lease from then on, so no runner takes it meanwhile.
3. The entries not done are written as a CSV and uploaded (key named by its digest).
4. Phase `sending` is written, then CreateJob is sent with the kept token. From here a
   runner refuses the job: the AWS job may exist. A retry sends the same request with
   the same token and gets the same job.
5. Phase `submitted` with the AWS job's id; the local report of the done tasks is
   written; the job ends Cancelled with "handed over to job X"; phase `done`.

Cancelled, not Complete: as on AWS, Complete means every task of the manifest ran in
this job, and a Cancelled job's report covers the tasks that ran. The reason names the
AWS job that runs the rest, and `report show` reads both reports as one.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from boto3.exceptions import Boto3Error
from botocore.exceptions import BotoCoreError, ClientError

from s3batch_tui.core.backends.s3control import S3ControlBackend, control_s3
from s3batch_tui.core.backends.submit import CSV_FORMAT, upload_csv
from s3batch_tui.core.engine.control import RELEASE, request_control
from s3batch_tui.core.engine.retrying import TransientError
from s3batch_tui.core.errors import InputError, JobStateError
from s3batch_tui.core.handover.plan import HandoverPlan
from s3batch_tui.core.handover.record import (
    DONE,
    PREPARING,
    SENDING,
    SUBMITTED,
    HandoverRecord,
    load_record,
    save_record,
)
from s3batch_tui.core.handover.remainder import write_remainder
from s3batch_tui.core.report import ReportStaging, write_report
from s3batch_tui.core.spec import S3_ARN_PREFIX, JobSpec
from s3batch_tui.core.status import JobStatus as S
from s3batch_tui.core.store import Store, runner_identity
from s3batch_tui.settings import Settings

STOP_TIMEOUT_SECONDS = 120.0
_LEASE_RENEW_SECONDS = 5.0


def hand_over(store: Store, settings: Settings, s3_client: Any, backend: S3ControlBackend, plan: HandoverPlan,
              progress: Callable[[str], None] = lambda _: None) -> HandoverRecord:  # fmt: skip
    """Do what `plan` says (see the module docstring); returns the final record (phase `done`).

    Raises:
        BackendUnreachable: CreateJob got no answer; the AWS job may exist: run it again.
        JobStateError, InputError: refused, with what and where; the job stays Paused here.
    """
    s3_client = control_s3(s3_client)  # its manifest re-read, upload and report ride out transient faults
    job_dir = settings.job_dir(plan.job_id)
    record = load_record(job_dir)
    if record is None or record.phase == PREPARING:
        _check_destination(s3_client, plan.target.bucket)  # before the job is stopped
    record = record or save_record(job_dir, HandoverRecord(
        PREPARING, str(uuid.uuid4()), f"s3://{plan.target.bucket}/{plan.target.prefix}", backend.client.meta.endpoint_url,
        backend.client.meta.region_name, backend.account_id, backend.label))  # fmt: skip
    if record.phase in (PREPARING, SENDING):
        progress(f"Stopping job {plan.job_id} at a checkpoint...")
        _stop_at_checkpoint(store, plan.job_id, f"stopped at a checkpoint to hand over to {backend.label}")
    with _held(store, plan.job_id):
        if record.phase in (PREPARING, SENDING):
            record = _submit_rest(store, settings, s3_client, backend, plan, record, progress)
        if record.phase == SUBMITTED:
            record = _end_local(store, settings, s3_client, plan.job_id, record)
    return record


def _check_destination(s3_client: Any, bucket: str) -> None:
    """The remainder's bucket answers (exists, and these credentials reach it)."""
    try:
        s3_client.head_bucket(Bucket=bucket)
    except (ClientError, BotoCoreError, TransientError) as exc:
        raise InputError(f"cannot use bucket {bucket!r} for the remainder: {exc}", "--manifest-to") from None


def _stop_at_checkpoint(store: Store, job_id: str, reason: str) -> None:
    """Ask the runner (if any) to stop at a checkpoint and let go; wait until the job is Paused and free."""
    request_control(store, job_id, RELEASE, reason)
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    while True:
        record = store.get(job_id)
        if record.status == S.PAUSED and not store.lease_is_live(record):
            return
        if record.status == S.PAUSED and record.requested is None:  # asked while Pausing: the pause cleared it
            store.set_request(job_id, RELEASE)
        if record.status.is_terminal:
            raise JobStateError(f"job {job_id} ended ({record.status}) before it could be handed over")
        if time.monotonic() > deadline:
            raise JobStateError(f"job {job_id}'s runner did not stop within {STOP_TIMEOUT_SECONDS:.0f} s "
                                f"(it is {record.status}); nothing was sent")  # fmt: skip
        time.sleep(0.1)


@contextmanager
def _held(store: Store, job_id: str) -> Iterator[None]:
    """Hold the job's lease (renewed in the background): no runner takes it during the hand-over."""
    owner = runner_identity()
    if not store.acquire_lease(job_id, owner):
        raise JobStateError(f"job {job_id} was started again meanwhile; nothing was sent, hand it over again")
    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(_LEASE_RENEW_SECONDS):
            store.renew_leases(owner, [job_id])

    renewer = threading.Thread(target=renew, name=f"handover-{job_id[:8]}", daemon=True)
    renewer.start()
    try:
        yield
    finally:
        stop.set()
        renewer.join()
        store.release_lease(job_id, owner)


def _submit_rest(store: Store, settings: Settings, s3_client: Any, backend: S3ControlBackend, plan: HandoverPlan,
                 record: HandoverRecord, progress: Callable[[str], None]) -> HandoverRecord:  # fmt: skip
    job = store.get(plan.job_id)
    remainder = write_remainder(job, settings.job_dir(plan.job_id), lambda: s3_client)
    if remainder.count == 0:
        raise JobStateError(f"every task of job {plan.job_id} has run; nothing to hand over: resume it "
                            "(`job run`) to write its report")  # fmt: skip
    key = plan.target.key(f"handover-{plan.job_id}-{remainder.digest[:16]}.csv")
    progress(f"Uploading {remainder.count:,} entries to s3://{plan.target.bucket}/{key}...")
    try:
        etag = upload_csv(s3_client, remainder.path, plan.target.bucket, key)
    except (ClientError, BotoCoreError, Boto3Error, TransientError) as exc:
        raise InputError(f"cannot upload the remainder: {exc}", f"s3://{plan.target.bucket}/{key}") from None
    manifest = {"Spec": {"Format": CSV_FORMAT, "Fields": list(remainder.fields)},
                "Location": {"ObjectArn": f"{S3_ARN_PREFIX}{plan.target.bucket}/{key}", "ETag": etag}}
    spec = _aws_spec(job.spec, manifest, plan, record.token, job.priority, remainder.count)
    record = save_record(settings.job_dir(plan.job_id), record.advanced(
        SENDING, manifest=f"s3://{plan.target.bucket}/{key}", remaining=remainder.count,
        done_here=job.succeeded + job.failed))  # fmt: skip
    progress(f"Submitting {remainder.count:,} tasks to {backend.label}...")
    try:
        aws_job_id = backend.create(spec)
    except InputError:  # refused for certain (and the same request every time): nothing was made there
        save_record(settings.job_dir(plan.job_id), record.advanced(PREPARING))
        raise
    return save_record(settings.job_dir(plan.job_id), record.advanced(SUBMITTED, aws_job_id=aws_job_id))


def _aws_spec(spec: JobSpec, manifest: dict, plan: HandoverPlan, token: str, priority: int, count: int) -> JobSpec:
    """The local job's spec for the rest: its operation, report, tags; the remainder as manifest."""
    data = spec.to_json_dict()
    for local in ("LocalOptions", "ManifestGenerator", "AccountId"):
        data.pop(local, None)
    description = f"Rest ({count} tasks) of local job {plan.job_id}" + (f": {spec.description}" if spec.description else "")
    return JobSpec.model_validate(data | {
        "Manifest": manifest, "RoleArn": plan.role_arn, "ClientRequestToken": token, "Priority": priority,
        "ConfirmationRequired": False, "Description": description[:256],
    })  # fmt: skip


def _end_local(store: Store, settings: Settings, s3_client: Any, job_id: str, record: HandoverRecord) -> HandoverRecord:
    """Write the local report of the tasks that ran and end the job Cancelled, naming the AWS job."""
    job = store.get(job_id)
    if not job.status.is_terminal:
        if job.spec.report.enabled and job.succeeded + job.failed > 0:
            with ReportStaging(settings.job_dir(job_id) / "staging", job.spec.report.scope) as staging:
                staging.truncate_to(job.staging_lengths)
                location = write_report(job_id, job.spec.report, staging, s3_client)
            store.set_report_location(job_id, location)
        reason = (f"handed over to job {record.aws_job_id} on {record.backend}: {job.succeeded + job.failed:,} "
                  f"tasks ran here, {record.remaining:,} went there")  # fmt: skip
        store.set_status(job_id, S.CANCELLED, reason)
    return save_record(settings.job_dir(job_id), record.advanced(DONE))
