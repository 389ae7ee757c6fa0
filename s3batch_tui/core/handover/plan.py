"""Check a hand-over's inputs and say what it will do, before anything is stopped or sent.

Every refusal names what and where, and happens here: an unknown or ended job, a job
that is not running or paused, a job S3 Batch Operations cannot run (local operations,
a report or copy target on this machine), no RoleArn, a bad `--manifest-to`.
"""

from __future__ import annotations

from dataclasses import dataclass

from s3batch_tui.core.backends.submit import S3Prefix
from s3batch_tui.core.errors import InputError, JobStateError
from s3batch_tui.core.formatting import plural
from s3batch_tui.core.handover.record import DONE, HandoverRecord, load_record
from s3batch_tui.core.spec import local_extensions
from s3batch_tui.core.status import JobStatus as S
from s3batch_tui.core.store import Store
from s3batch_tui.settings import Settings

HANDABLE = frozenset({S.READY, S.ACTIVE, S.PAUSING, S.PAUSED})
REPLACED = {"Manifest.Location.ObjectArn", "LocalOptions"}  # the remainder's manifest; local run knobs stay here


@dataclass(frozen=True)
class HandoverPlan:
    """What `hand_over` will do with a local job.

    Attributes:
        job_id: the local job.
        status: its status now.
        operation: its operation (the AWS job's too).
        total: its task count.
        done: tasks with an outcome at the last checkpoint (more may finish before it stops).
        target: where the remainder's CSV manifest goes.
        backend: the S3 Control backend's label.
        role_arn: the role the AWS job runs as.
        report: where both reports go.
        resumed: an earlier, unfinished hand-over of this job (None: a new one).
    """

    job_id: str
    status: S
    operation: str
    total: int
    done: int
    target: S3Prefix
    backend: str
    role_arn: str
    report: str
    resumed: HandoverRecord | None = None

    def lines(self) -> list[str]:
        """The plan in words (the CLI prints it; the TUI's dialog shows it)."""
        left = self.total - self.done
        stop = "stop it at a checkpoint (tasks in flight finish)" if self.status != S.PAUSED else "it is paused"
        lines = [
            f"Hand over job {self.job_id} ({self.operation}, {self.status}: {self.done:,} of "
            f"{plural(self.total, 'task')} done) to {self.backend}",
            f"  1. {stop}",
            f"  2. upload the entries not done (about {left:,}) as a CSV manifest to "
            f"s3://{self.target.bucket}/{self.target.prefix + '/' if self.target.prefix else ''}",
            f"  3. submit them as a new job: same operation and report ({self.report}), role {self.role_arn}",
            "  4. end this job Cancelled, \"handed over to job …\", with the report of the tasks that ran here",
        ]
        if self.resumed is not None:
            lines.append(f"  (finishing the hand-over started earlier: phase {self.resumed.phase}, "
                         f"ClientRequestToken {self.resumed.token})")  # fmt: skip
        return lines


def plan_handover(store: Store, settings: Settings, job_id: str, manifest_to: str, role_arn: str | None,
                  backend_label: str) -> HandoverPlan:  # fmt: skip
    """Check everything that can be checked here; raises InputError or JobStateError naming the problem."""
    target = S3Prefix.parse(manifest_to)
    record = store.get(job_id)
    earlier = load_record(settings.job_dir(job_id))
    if earlier is not None and (earlier.phase == DONE or record.status.is_terminal):
        raise JobStateError(f"job {job_id} was handed over to job {earlier.aws_job_id} on {earlier.backend} already")
    if record.status.is_terminal:
        raise JobStateError(f"job {job_id} has already ended ({record.status}); nothing is left to hand over")
    if record.status not in HANDABLE:
        raise JobStateError(f"job {job_id} is {record.status}; only a running or paused job is handed over "
                            "(for a job that has not started, `job submit` its job file)")  # fmt: skip
    if record.total_tasks is None:
        raise JobStateError(f"job {job_id} stopped before its manifest was read through (Preparing); resume it "
                            "until it runs, or `job submit` its job file")  # fmt: skip
    if earlier is not None and earlier.manifest_to.rstrip("/") != manifest_to.rstrip("/"):
        raise InputError(f"this job's hand-over was started with --manifest-to {earlier.manifest_to}; give the "
                         "same, so that a job created then is found again", "--manifest-to")  # fmt: skip
    if earlier is not None and earlier.backend != backend_label:
        raise InputError(f"this job's hand-over was started on {earlier.backend}; finish it there (a job may "
                         "exist there already)", "--control-endpoint/--account-id")  # fmt: skip
    spec = record.spec
    local_only = [found for found in local_extensions(spec) if found not in REPLACED]
    if local_only:
        raise InputError(f"only runs locally, S3 Batch Operations would refuse it: {', '.join(local_only)}",
                         f"job {job_id}")  # fmt: skip
    role = role_arn or spec.role_arn
    if not role:
        raise InputError("required: the IAM role S3 Batch Operations assumes to run the rest; the job file has "
                         "none, give --role-arn", "RoleArn")  # fmt: skip
    report = "no report"
    if spec.report.enabled and spec.report.bucket:
        prefix = (spec.report.prefix or "").strip("/")
        report = f"s3://{spec.report.bucket.rsplit(':::', 1)[-1]}/{prefix + '/' if prefix else ''}"
    return HandoverPlan(job_id, record.status, record.operation, record.total_tasks, record.succeeded + record.failed,
                        target, backend_label, role, report, earlier)  # fmt: skip
