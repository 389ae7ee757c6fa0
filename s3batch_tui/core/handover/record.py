"""What a hand-over keeps in the local job's directory (`handover.json`), written before each step.

The record is the hand-over's memory across crashes and retries: the ClientRequestToken
is written before CreateJob is sent, and the AWS job's id as soon as it is known. A
runner refuses a job whose hand-over may have reached S3 Control (`SENDING`, `SUBMITTED`):
resuming it here could run the same entries twice. Before that (`PREPARING`) nothing
has left this machine, and the job stays resumable.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, replace
from pathlib import Path

RECORD_NAME = "handover.json"
PREPARING = "preparing"  # token kept; the remainder is being written and uploaded
SENDING = "sending"  # CreateJob is (or may have been) sent: the AWS job may exist
SUBMITTED = "submitted"  # the AWS job exists; the local job is being ended
DONE = "done"  # the local job ended with the reason "handed over to job X"
BLOCKING = (SENDING, SUBMITTED, DONE)


@dataclass(frozen=True)
class HandoverRecord:
    """The link from a local job to the S3 Control job that runs the rest of it.

    Attributes:
        phase: how far the hand-over got (see the module's constants).
        token: the CreateJob ClientRequestToken, kept across retries.
        manifest_to: where the remainder is uploaded (`s3://bucket/prefix/`).
        endpoint: the S3 Control endpoint (None: AWS's own for the region).
        region: the S3 Control client's region.
        account_id: the S3 Control account.
        backend: the backend's label, for messages ("AWS 123456789012 us-east-1").
        aws_job_id: the S3 Control job, once created.
        manifest: `s3://bucket/key` of the uploaded remainder.
        remaining: how many entries went to the AWS job.
        done_here: how many tasks the local job ran (its report's rows).
    """

    phase: str
    token: str
    manifest_to: str
    endpoint: str | None
    region: str
    account_id: str
    backend: str
    aws_job_id: str | None = None
    manifest: str | None = None
    remaining: int | None = None
    done_here: int | None = None

    def advanced(self, phase: str, **changes) -> HandoverRecord:
        """This record at `phase`, with `changes`."""
        return replace(self, phase=phase, **changes)


def record_path(job_dir: Path) -> Path:
    """Where a job's hand-over record lives."""
    return job_dir / RECORD_NAME


def load_record(job_dir: Path) -> HandoverRecord | None:
    """The job's hand-over record (None: never handed over)."""
    try:
        data = json.loads(record_path(job_dir).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    return HandoverRecord(**data)


def save_record(job_dir: Path, record: HandoverRecord) -> HandoverRecord:
    """Write the record whole and durably (temporary file, fsync, rename); returns it."""
    path = record_path(job_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with temporary.open("w", encoding="utf-8") as file:
        json.dump(asdict(record), file, indent=2)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)
    return record


def forget_record(job_dir: Path) -> None:
    """Drop the record: the hand-over was refused before any job was made, the job is local again."""
    record_path(job_dir).unlink(missing_ok=True)


def runner_refusal(job_dir: Path) -> str | None:
    """Why a runner must not run this job (None: it may)."""
    record = load_record(job_dir)
    if record is None or record.phase not in BLOCKING:
        return None
    if record.aws_job_id:
        return f"it was handed over to job {record.aws_job_id} on {record.backend}; finish with `job handover`"
    return (f"its hand-over to {record.backend} may have created a job there; run the same `job handover` "
            "command again to finish it (its ClientRequestToken makes it the same job)")  # fmt: skip
