"""Job statuses (AWS names) and the transitions between them (SPEC.md section 4)."""

from __future__ import annotations

from enum import StrEnum


class JobStatus(StrEnum):
    """The status of a job, named exactly as AWS S3 Batch Operations names it."""

    NEW = "New"
    PREPARING = "Preparing"
    SUSPENDED = "Suspended"
    READY = "Ready"
    ACTIVE = "Active"
    PAUSING = "Pausing"
    PAUSED = "Paused"
    COMPLETING = "Completing"
    COMPLETE = "Complete"
    CANCELLING = "Cancelling"
    CANCELLED = "Cancelled"
    FAILING = "Failing"
    FAILED = "Failed"

    @property
    def is_terminal(self) -> bool:
        """True for Complete, Cancelled and Failed: nothing changes a terminal job."""
        return self in TERMINAL


S = JobStatus
TERMINAL = frozenset({S.COMPLETE, S.CANCELLED, S.FAILED})

# As on AWS, a job ends Cancelled only through Cancelling and Failed only through Failing
# (`via` below); Paused is reachable from every running status because a runner can die
# at any point.
TRANSITIONS: dict[JobStatus, frozenset[JobStatus]] = {
    S.NEW: frozenset({S.PREPARING, S.CANCELLING, S.FAILING}),
    S.PREPARING: frozenset({S.SUSPENDED, S.READY, S.FAILING, S.CANCELLING, S.PAUSED}),
    S.SUSPENDED: frozenset({S.READY, S.CANCELLING, S.FAILING}),
    S.READY: frozenset({S.PREPARING, S.ACTIVE, S.COMPLETING, S.CANCELLING, S.PAUSED, S.PAUSING, S.FAILING}),
    S.ACTIVE: frozenset({S.PAUSING, S.PAUSED, S.COMPLETING, S.CANCELLING, S.FAILING}),
    S.PAUSING: frozenset({S.PAUSED, S.CANCELLING, S.ACTIVE}),
    # Paused (or Ready, once resumed) -> Completing: a job whose report could not be
    # written finishes on resume, without going Active again.
    S.PAUSED: frozenset({S.READY, S.PREPARING, S.ACTIVE, S.COMPLETING, S.CANCELLING, S.FAILING}),
    S.COMPLETING: frozenset({S.COMPLETE, S.FAILING, S.PAUSED}),
    S.CANCELLING: frozenset({S.CANCELLED, S.FAILING, S.PAUSED}),
    S.FAILING: frozenset({S.FAILED, S.PAUSED}),
    S.COMPLETE: frozenset(),
    S.CANCELLED: frozenset(),
    S.FAILED: frozenset(),
}


# The status a job passes through on its way to each of these, as AWS shows it.
VIA: dict[JobStatus, JobStatus] = {S.CANCELLED: S.CANCELLING, S.FAILED: S.FAILING}


def can_transition(old: JobStatus, new: JobStatus) -> bool:
    """Whether a job may go from `old` to `new`."""
    return new in TRANSITIONS[old]


def path_to(old: JobStatus, new: JobStatus) -> list[JobStatus]:
    """The statuses a job goes through from `old` to reach `new` (Cancelling before Cancelled,
    Failing before Failed), or [] when `new` cannot be reached that way."""
    via = VIA.get(new)
    if can_transition(old, new):
        return [new]
    if via is not None and can_transition(old, via) and can_transition(via, new):
        return [via, new]
    return []


_FINISHING = {S.COMPLETING: S.COMPLETE, S.CANCELLING: S.CANCELLED, S.FAILING: S.FAILED}


def unfinished_ending(status: JobStatus, history: list[JobStatus]) -> JobStatus | None:
    """The terminal status a paused job was reaching when its finish stopped (report or runner).

    `history` (oldest first) then ends `Completing|Cancelling|Failing → Paused`, maybe
    followed by `Ready` (a resume while no runner held it).
    """
    if status not in (S.PAUSED, S.READY):
        return None
    history = list(history)
    while history and history[-1] == S.READY:
        history.pop()
    if len(history) < 2 or history[-1] != S.PAUSED:
        return None
    return _FINISHING.get(history[-2])
