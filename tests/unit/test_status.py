"""Job statuses and the legal transitions between them (SPEC.md section 4)."""

from __future__ import annotations

import pytest

from s3batch_tui.core.status import TERMINAL, TRANSITIONS, JobStatus, can_transition, path_to
from s3batch_tui.core.store import OWNED

S = JobStatus
NON_TERMINAL = [s for s in S if s not in TERMINAL]


def reachable(start: JobStatus) -> set[JobStatus]:
    seen, todo = set(), [start]
    while todo:
        for nxt in TRANSITIONS[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def test_status_values_are_the_aws_names():
    assert [s.value for s in S] == [
        "New", "Preparing", "Suspended", "Ready", "Active", "Pausing", "Paused",
        "Completing", "Complete", "Cancelling", "Cancelled", "Failing", "Failed",
    ]  # fmt: skip


def test_every_status_has_an_entry_in_transitions():
    assert set(TRANSITIONS) == set(S)
    assert all(target in set(S) for targets in TRANSITIONS.values() for target in targets)


def test_only_complete_cancelled_and_failed_are_terminal():
    assert {s for s in S if s.is_terminal} == {S.COMPLETE, S.CANCELLED, S.FAILED}


@pytest.mark.parametrize("terminal", sorted(TERMINAL))
def test_terminal_status_has_no_way_out(terminal):
    assert TRANSITIONS[terminal] == frozenset()
    assert not any(can_transition(terminal, other) for other in S)


def test_no_status_transitions_to_itself():
    assert not any(can_transition(s, s) for s in S)


def test_happy_path_is_legal():
    path = [S.NEW, S.PREPARING, S.READY, S.ACTIVE, S.COMPLETING, S.COMPLETE]
    for old, new in zip(path, path[1:]):
        assert can_transition(old, new), f"{old} -> {new}"


def test_confirmation_path_is_legal():
    assert can_transition(S.PREPARING, S.SUSPENDED)
    assert can_transition(S.SUSPENDED, S.READY)


def test_bad_manifest_fails_the_job_in_preparing_through_failing():
    assert not can_transition(S.PREPARING, S.FAILED)
    assert path_to(S.PREPARING, S.FAILED) == [S.FAILING, S.FAILED]


@pytest.mark.parametrize("status", [S.NEW, S.SUSPENDED, S.READY, S.ACTIVE, S.PAUSED, S.PREPARING])
def test_cancelled_is_reached_only_through_cancelling_as_on_aws(status):
    assert not can_transition(status, S.CANCELLED)
    assert path_to(status, S.CANCELLED) == [S.CANCELLING, S.CANCELLED]


@pytest.mark.parametrize("status", [s for s in NON_TERMINAL if s not in (S.FAILING, S.PAUSING)])
def test_failed_is_reached_only_through_failing(status):
    assert not can_transition(status, S.FAILED)
    assert path_to(status, S.FAILED) == [S.FAILING, S.FAILED]


def test_a_suspended_job_can_fail_when_it_expires():
    assert path_to(S.SUSPENDED, S.FAILED) == [S.FAILING, S.FAILED]


def test_path_to_refuses_what_no_step_allows():
    assert path_to(S.NEW, S.ACTIVE) == [] and path_to(S.ACTIVE, S.COMPLETE) == []


def test_cancelling_leads_to_cancelled():
    assert can_transition(S.ACTIVE, S.CANCELLING)
    assert can_transition(S.CANCELLING, S.CANCELLED)


def test_failing_leads_to_failed():
    assert can_transition(S.ACTIVE, S.FAILING)
    assert can_transition(S.FAILING, S.FAILED)


def test_pause_and_resume_are_legal():
    assert can_transition(S.ACTIVE, S.PAUSING)
    assert can_transition(S.PAUSING, S.PAUSED)
    assert can_transition(S.PAUSED, S.READY)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (S.COMPLETE, S.ACTIVE),
        (S.CANCELLED, S.READY),
        (S.FAILED, S.PREPARING),
        (S.NEW, S.ACTIVE),  # must be prepared first
        (S.NEW, S.READY),
        (S.SUSPENDED, S.ACTIVE),  # must be confirmed first
        (S.ACTIVE, S.NEW),
        (S.ACTIVE, S.COMPLETE),  # completes through Completing
        (S.PREPARING, S.COMPLETE),
    ],
)
def test_illegal_transitions(old, new):
    assert not can_transition(old, new)


@pytest.mark.parametrize("status", NON_TERMINAL)
def test_every_non_terminal_status_can_end_cancelled(status):
    assert S.CANCELLED in reachable(status)


@pytest.mark.parametrize("status", sorted(OWNED))
def test_a_job_whose_runner_died_can_show_as_paused(status):
    # The store's reaper moves every runner-owned status to Paused.
    assert can_transition(status, S.PAUSED)


def test_unfinished_ending_is_read_from_a_history_stopped_while_finishing():
    from s3batch_tui.core.status import unfinished_ending

    s = JobStatus
    assert unfinished_ending(s.PAUSED, [s.ACTIVE, s.COMPLETING, s.PAUSED]) == s.COMPLETE
    assert unfinished_ending(s.READY, [s.CANCELLING, s.PAUSED, s.READY]) == s.CANCELLED
    assert unfinished_ending(s.PAUSED, [s.ACTIVE, s.PAUSING, s.PAUSED]) is None
    assert unfinished_ending(s.ACTIVE, [s.FAILING, s.PAUSED]) is None
