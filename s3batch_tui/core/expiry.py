"""Suspended jobs expire: a job left unconfirmed for 30 days (configurable) fails, as on AWS.

Nothing runs in the background to do it; whoever looks at the store applies it (`job
list`, `job show`, a runner starting, the `serve` loop), so the outcome is the same
whichever process looks first.
"""

from __future__ import annotations

from s3batch_tui.core.errors import JobStateError
from s3batch_tui.core.status import JobStatus
from s3batch_tui.core.store import LeaseHeld, Store

DAY = 86400.0
DEFAULT_TIMEOUT_DAYS = 30.0
FAILURE_CODE = "SuspendedTimeout"
EXPIRE_REQUEST = "expire"


def expiry_reason(timeout_days: float) -> str:
    """The FailureReason of an expired job."""
    days = f"{timeout_days:g} day" + ("" if timeout_days == 1 else "s")
    return f"The job was not confirmed within {days} of being suspended, so it failed"


def expire_suspended(store: Store, now: float | None = None, timeout_days: float = DEFAULT_TIMEOUT_DAYS) -> list[str]:
    """Fail every job Suspended for longer than `timeout_days`; returns their ids.

    A job a live runner holds (a `run` waiting for confirmation) gets a request instead,
    which that runner acts on within a second.
    """
    now = store.clock() if now is None else now
    reason = expiry_reason(timeout_days)
    expired = []
    for job_id in store.suspended_since(now - timeout_days * DAY):
        try:
            store.set_status(job_id, JobStatus.FAILED, reason, [{"FailureCode": FAILURE_CODE, "FailureReason": reason}],
                             clear_request=True, unless_running=True)  # fmt: skip
        except LeaseHeld:
            store.set_request(job_id, EXPIRE_REQUEST)
        except JobStateError:
            continue  # confirmed or cancelled since we looked
        expired.append(job_id)
    return expired
