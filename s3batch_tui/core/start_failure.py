"""A runner that cannot start leaves its job with a visible reason, never silently New."""

from __future__ import annotations

from s3batch_tui.core.errors import JobStateError
from s3batch_tui.core.launcher import Launcher
from s3batch_tui.core.status import JobStatus, can_transition
from s3batch_tui.core.store import Store


def record_start_failure(store: Store, job_id: str, code: str, reason: str) -> bool:
    """Show why the job's runner could not start; returns whether the job was changed.

    A New job fails (nothing was touched; FailureReasons carry `code`); a job that had
    started before is Paused with the reason so `job run` resumes it once fixed; a
    Suspended job keeps waiting, with the reason. A job that has ended, or that a live
    runner holds, is left alone: that runner's word counts.
    """
    current = store.get(job_id).status
    if current.is_terminal:
        return False
    reasons = None
    if current == JobStatus.NEW:
        path, reasons = _path(current, JobStatus.FAILED), [{"FailureCode": code, "FailureReason": reason}]
    elif current == JobStatus.PAUSED or can_transition(current, JobStatus.PAUSED):
        path = [JobStatus.PAUSED]
    else:
        path = [current]
    try:
        for status in path:
            store.set_status(job_id, status, reason, reasons if status == path[-1] else None, unless_running=True)
    except JobStateError:  # LeaseHeld too: a runner took the job meanwhile
        return False
    return True


def _path(old: JobStatus, new: JobStatus) -> list[JobStatus]:
    """`new`, or Failing then Failed where a job may reach Failed only through Failing."""
    if can_transition(old, new) or not can_transition(old, JobStatus.FAILING):
        return [new]
    return [JobStatus.FAILING, new]


def reap_failed_starts(store: Store, launcher: Launcher) -> list[str]:
    """Fail the jobs left New by a runner (started by `launcher`) that exited with an error.

    The runner's own preflight already records its errors; this catches whatever else
    kills a runner before it takes its job (the job would otherwise look New forever).
    Returns the ids of the jobs changed.
    """
    changed = []
    for job_id, why in launcher.failed_runners():
        if store.get(job_id).status == JobStatus.NEW and record_start_failure(store, job_id, "RunnerFailed", why):
            changed.append(job_id)
    return changed
