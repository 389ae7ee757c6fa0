"""Who runs a job: runner identities and how a dead runner is recognised."""

from __future__ import annotations

import os
import socket

from s3batch_tui.core.status import JobStatus

# Statuses in which a live runner must hold the lease; if it dies the job shows Paused.
OWNED = frozenset(
    {JobStatus.PREPARING, JobStatus.ACTIVE, JobStatus.PAUSING, JobStatus.COMPLETING,
     JobStatus.CANCELLING, JobStatus.FAILING}
)  # fmt: skip
LEASE_SECONDS = 15.0


def runner_identity() -> str:
    """`host:pid:random`: who holds a lease, so a dead runner on this host is seen at once."""
    return f"{socket.gethostname()}:{os.getpid()}:{os.urandom(4).hex()}"


def owner_is_dead(owner: str) -> bool:
    """Whether the lease holder is a process on this host that no longer exists."""
    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False  # another machine: only lease expiry tells
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
