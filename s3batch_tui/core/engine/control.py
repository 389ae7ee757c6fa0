"""Steering a job from anywhere: pause, resume, cancel, confirm, priority.

Control is a write to the store. A job held by a live runner gets a request that the
runner acts on within a second; a job nobody runs changes status directly.
"""

from __future__ import annotations

from enum import Enum

from s3batch_tui.core.errors import JobStateError
from s3batch_tui.core.status import JobStatus as S
from s3batch_tui.core.store import LeaseHeld, Store

ACTIONS = ("pause", "resume", "cancel", "confirm", "release")
RELEASE = "release"
"""Stop at a checkpoint and let go of the job (it stays Paused, runner-free): a hand-over takes it next."""


class ControlResult(Enum):
    """What a control request led to."""

    REQUESTED = "requested"  # the runner will act on it within a second
    DONE = "done"  # the status changed already
    NEEDS_RUNNER = "needs_runner"  # someone must run the job to finish it (write its report)


def request_control(store: Store, job_id: str, action: str, reason: str | None = None) -> ControlResult:
    """Ask for `action` on a job; raises JobStateError when its status does not allow it.

    `reason` (UpdateJobStatus' StatusUpdateReason) becomes the job's status reason at once;
    the runner's own reason replaces it at the job's next change of status.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}; expected one of {', '.join(ACTIONS)}")
    store.reap_orphans()
    record = store.get(job_id)
    status = record.status
    if status.is_terminal:
        raise JobStateError(f"job {job_id} has already ended ({status}); it cannot be changed")
    allowed = {
        "pause": {S.PREPARING, S.READY, S.ACTIVE},
        "resume": {S.PAUSED, S.PAUSING},
        "cancel": set(S) - {S.CANCELLING},
        "confirm": {S.SUSPENDED},
        "release": {S.READY, S.ACTIVE, S.PAUSING, S.PAUSED},
    }[action]
    if action == "pause" and status == S.PAUSED:
        return ControlResult.DONE  # e.g. its runner died a moment ago: it is paused already
    if action == RELEASE and status == S.PAUSED and not store.lease_is_live(record):
        return ControlResult.DONE  # paused at a checkpoint and nobody holds it: released already
    if status not in allowed:
        raise JobStateError(f"job {job_id} is {status}; it cannot be asked to {action}")
    if store.lease_is_live(record):
        store.set_request(job_id, action, reason)
        return ControlResult.REQUESTED
    if action == "cancel" and record.succeeded + record.failed > 0:
        store.set_request(job_id, "cancel", reason)
        return ControlResult.NEEDS_RUNNER
    target = {"pause": S.PAUSED, "resume": S.READY, "cancel": S.CANCELLED, "confirm": S.READY, RELEASE: S.PAUSED}[action]
    reason = reason or {"pause": "paused by the user", "cancel": "cancelled by the user"}.get(action)
    try:
        store.set_status(job_id, target, reason, clear_request=True, unless_running=True)
    except LeaseHeld:  # a runner took the job since we looked: it acts on the request
        store.set_request(job_id, action, reason)
        return ControlResult.REQUESTED
    return ControlResult.DONE
