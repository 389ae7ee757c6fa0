"""The SQLite store: schema versions, jobs, status history, checkpoints, failures, leases."""

from __future__ import annotations

import os
import socket
import sqlite3
import threading

import pytest

from s3batch_tui.core.errors import JobNotFound, JobStateError
from s3batch_tui.core.status import JobStatus as S
from s3batch_tui.core.store import LEASE_SECONDS, MIGRATIONS, Checkpoint, FailureRow, Store, runner_identity


def user_version(path) -> int:
    with sqlite3.connect(path) as db:
        return db.execute("PRAGMA user_version").fetchone()[0]


def failure(ordinal: int, code: str = "AccessDenied", message: str = "Access Denied") -> FailureRow:
    return FailureRow(ordinal, "bucket", f"key{ordinal}", None, 403, code, message)


def progress(succeeded: int = 0, failed: int = 0, **changes) -> Checkpoint:
    fields = dict(active_seconds=0.0, watermark=0, done_above=[], resume_point=None, staging_lengths={})
    return Checkpoint(succeeded, failed, **(fields | changes))


# --- schema -----------------------------------------------------------------------------


def test_new_database_is_at_the_latest_schema_version(store):
    assert user_version(store.path) == len(MIGRATIONS)


def test_reopening_keeps_jobs_and_does_not_migrate_again(store, job_spec, clock):
    store.create_job("job-1", job_spec)
    store.close()
    reopened = Store(store.path, clock=clock)
    try:
        assert [r.id for r in reopened.list()] == ["job-1"]
        assert user_version(store.path) == len(MIGRATIONS)
    finally:
        reopened.close()


def test_database_from_a_newer_version_is_refused(tmp_path):
    path = tmp_path / "jobs.db"
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version={len(MIGRATIONS) + 1}")
    with pytest.raises(RuntimeError, match="newer"):
        Store(path)
    assert user_version(path) == len(MIGRATIONS) + 1


def test_store_uses_wal(store):
    assert store._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


# --- jobs -------------------------------------------------------------------------------


def test_create_job_stores_a_new_job(store, job_spec, clock):
    record = store.create_job("job-1", job_spec)
    assert record == store.get("job-1")
    assert record.status is S.NEW
    assert record.spec == job_spec
    assert record.operation == "S3DeleteObjectTagging"
    assert record.priority == job_spec.priority
    assert record.created_at == record.updated_at == clock.now
    assert (record.succeeded, record.failed, record.watermark, record.done_above) == (0, 0, 0, [])
    assert record.resume_point is None
    assert record.terminated_at is None
    assert record.requested is None
    assert store.history("job-1") == [(S.NEW, clock.now, None)]


def test_create_job_with_a_taken_id_fails(store, job_spec):
    store.create_job("job-1", job_spec)
    with pytest.raises(sqlite3.IntegrityError):
        store.create_job("job-1", job_spec)


def test_get_unknown_job_raises_job_not_found(store):
    with pytest.raises(JobNotFound, match="nope"):
        store.get("nope")


def test_list_is_newest_first(store, job_spec, clock):
    for job_id in ["b-old", "a-mid", "c-new"]:
        store.create_job(job_id, job_spec)
        clock.advance(1)
    assert [r.id for r in store.list()] == ["c-new", "a-mid", "b-old"]


def test_list_of_empty_store_is_empty(store):
    assert store.list() == []


@pytest.fixture
def three_jobs(store, job_spec):
    for job_id in ["abc123", "abd456", "xyz789"]:
        store.create_job(job_id, job_spec)


@pytest.mark.parametrize(("prefix", "full"), [("abc", "abc123"), ("x", "xyz789"), ("abd456", "abd456")])
def test_resolve_a_unique_prefix(store, three_jobs, prefix, full):
    assert store.resolve(prefix) == full


def test_resolve_an_ambiguous_prefix_raises(store, three_jobs):
    with pytest.raises(JobNotFound, match="ambiguous"):
        store.resolve("ab")


@pytest.mark.parametrize("prefix", ["q", "abc1234", "ABC", ""])
def test_resolve_an_unknown_prefix_raises(store, three_jobs, prefix):
    with pytest.raises(JobNotFound, match="no job"):
        store.resolve(prefix)


# --- status -----------------------------------------------------------------------------


def test_set_status_records_history_with_reasons(store, make_job, clock):
    make_job("job-1")
    start = clock.now
    clock.advance(1)
    store.set_status("job-1", S.PREPARING)
    clock.advance(1)
    record = store.set_status("job-1", S.READY, "manifest has 3 tasks")
    assert record.status is S.READY
    assert record.status_reason == "manifest has 3 tasks"
    assert record.updated_at == start + 2
    assert store.history("job-1") == [
        (S.NEW, start, None),
        (S.PREPARING, start + 1, None),
        (S.READY, start + 2, "manifest has 3 tasks"),
    ]


def test_set_status_refuses_an_illegal_transition(store, make_job):
    make_job("job-1")
    with pytest.raises(JobStateError, match="cannot become Active"):
        store.set_status("job-1", S.ACTIVE)
    assert store.get("job-1").status is S.NEW
    assert [status for status, _, _ in store.history("job-1")] == [S.NEW]


def test_terminal_job_cannot_change(store, make_job):
    make_job("job-1", S.CANCELLED)
    with pytest.raises(JobStateError):
        store.set_status("job-1", S.READY)
    assert store.get("job-1").status is S.CANCELLED


def test_set_status_of_unknown_job_raises(store):
    with pytest.raises(JobNotFound):
        store.set_status("nope", S.PREPARING)


def test_terminated_at_is_set_only_on_terminal_status(store, make_job, clock):
    make_job("job-1", S.ACTIVE)
    assert store.get("job-1").terminated_at is None
    clock.advance(5)
    store.set_status("job-1", S.COMPLETING)
    assert store.get("job-1").terminated_at is None
    clock.advance(5)
    record = store.set_status("job-1", S.COMPLETE)
    assert record.terminated_at == clock.now


def test_failure_reasons_are_stored(store, make_job):
    make_job("job-1", S.PREPARING)
    reasons = [{"FailureCode": "ManifestError", "FailureReason": "m.csv line 2: bad"}]
    record = store.set_status("job-1", S.FAILED, "bad manifest", reasons)
    assert record.failure_reasons == reasons
    assert store.get("job-1").failure_reasons == reasons


def test_set_status_keeps_the_request_unless_told_to_clear_it(store, make_job):
    make_job("job-1", S.READY)
    store.set_request("job-1", "pause")
    assert store.set_status("job-1", S.ACTIVE).requested == "pause"
    assert store.set_status("job-1", S.PAUSED, clear_request=True).requested is None


def test_a_runner_clears_the_request_it_read_but_not_one_written_since(store, make_job):
    make_job("job-1", S.ACTIVE)
    store.set_request("job-1", "pause")
    seen = store.get("job-1").requested  # the runner reads the pause...
    store.set_request("job-1", "cancel")  # ...the user cancels before the runner clears it
    store.clear_request("job-1", seen)
    assert store.get("job-1").requested == "cancel"
    store.clear_request("job-1", "cancel")
    assert store.get("job-1").requested is None


def test_set_request_on_unknown_job_raises(store):
    with pytest.raises(JobNotFound):
        store.set_request("nope", "pause")


def test_save_prepared_records_count_and_identity(store, make_job):
    make_job("job-1", S.PREPARING)
    store.save_prepared("job-1", 42, {"location": "file:///tmp/m.csv", "sha256": "ab"}, skipped_rows=2)
    record = store.get("job-1")
    assert (record.total_tasks, record.skipped_rows) == (42, 2)
    assert record.manifest_identity == {"location": "file:///tmp/m.csv", "sha256": "ab"}


# --- checkpoints and failures -----------------------------------------------------------


def test_checkpoint_round_trips_every_field(store, make_job):
    make_job("job-1", S.ACTIVE)
    point = Checkpoint(
        succeeded=7, failed=2, active_seconds=12.5, watermark=9, done_above=[11, 14],
        resume_point=(8, [2, 17]), staging_lengths={"results.csv": 1234},
    )  # fmt: skip
    store.checkpoint("job-1", point, [failure(3), failure(5)])
    record = store.get("job-1")
    assert record.checkpoint == point
    assert record.resume_point == (8, [2, 17])
    assert [f.ordinal for f in store.failures("job-1")] == [3, 5]


def test_checkpoint_with_a_scalar_resume_point(store, make_job):
    make_job("job-1", S.ACTIVE)
    store.checkpoint("job-1", progress(1, resume_point=(0, 4096)), [])
    assert store.get("job-1").resume_point == (0, 4096)


def test_checkpoint_can_clear_the_resume_point(store, make_job):
    make_job("job-1", S.ACTIVE)
    store.checkpoint("job-1", progress(1, resume_point=(0, 4096)), [])
    store.checkpoint("job-1", progress(2, resume_point=None), [])
    assert store.get("job-1").resume_point is None


def test_failures_that_fail_to_commit_leave_the_checkpoint_unchanged(store, make_job):
    make_job("job-1", S.ACTIVE)
    store.checkpoint("job-1", progress(1, watermark=1), [])
    bad = FailureRow(2, "bucket", "key", None, 403, None, "no code")  # error_code is NOT NULL
    with pytest.raises(sqlite3.IntegrityError):
        store.checkpoint("job-1", progress(2, 1, watermark=3), [bad])
    assert store.get("job-1").checkpoint == progress(1, watermark=1)
    assert list(store.failures("job-1")) == []


def test_same_failed_ordinal_twice_is_counted_once(store, make_job):
    make_job("job-1", S.ACTIVE)
    store.checkpoint("job-1", progress(0, 1), [failure(4, message="first")])
    store.checkpoint("job-1", progress(0, 1), [failure(4, message="again")])
    assert store.error_counts("job-1") == {"AccessDenied": 1}
    assert [f.message for f in store.failures("job-1")] == ["again"]


def test_failures_are_by_ordinal_with_a_limit(store, make_job):
    make_job("job-1", S.ACTIVE)
    store.checkpoint("job-1", progress(), [failure(9), failure(2), failure(5)])
    assert [f.ordinal for f in store.failures("job-1")] == [2, 5, 9]
    assert [f.ordinal for f in store.failures("job-1", limit=2)] == [2, 5]


def test_failures_newest_first(store, make_job, clock):
    make_job("job-1", S.ACTIVE)
    store.checkpoint("job-1", progress(), [failure(1), failure(7)])
    clock.advance(1)
    store.checkpoint("job-1", progress(), [failure(3)])
    assert [f.ordinal for f in store.failures("job-1", newest_first=True)] == [3, 7, 1]


def test_failure_rows_round_trip(store, make_job):
    make_job("job-1", S.ACTIVE)
    row = FailureRow(0, "bkt", "a%20b", "v1", 404, "NoSuchKey", "The specified key does not exist.")
    store.checkpoint("job-1", progress(), [row])
    assert list(store.failures("job-1")) == [row]


def test_failures_belong_to_their_job(store, make_job):
    make_job("job-1", S.ACTIVE)
    make_job("job-2", S.ACTIVE)
    store.checkpoint("job-1", progress(), [failure(0)])
    assert list(store.failures("job-2")) == []
    assert store.error_counts("job-2") == {}


def test_error_counts_most_frequent_first(store, make_job):
    make_job("job-1", S.ACTIVE)
    rows = [failure(0, "NoSuchKey"), failure(1, "AccessDenied"), failure(2, "AccessDenied"),
            failure(3, "SlowDown"), failure(4, "AccessDenied"), failure(5, "SlowDown")]  # fmt: skip
    store.checkpoint("job-1", progress(0, 6), rows)
    counts = store.error_counts("job-1")
    assert counts == {"AccessDenied": 3, "SlowDown": 2, "NoSuchKey": 1}
    assert list(counts) == ["AccessDenied", "SlowDown", "NoSuchKey"]


# --- priority ---------------------------------------------------------------------------


@pytest.mark.parametrize("priority", [0, 1, 2147483647])
def test_set_priority_within_bounds(store, make_job, priority):
    make_job("job-1", S.ACTIVE)
    store.set_priority("job-1", priority)
    assert store.get("job-1").priority == priority


@pytest.mark.parametrize("priority", [-1, 2147483648])
def test_set_priority_out_of_bounds_is_refused(store, make_job, job_spec, priority):
    make_job("job-1", S.ACTIVE)
    with pytest.raises(ValueError, match="priority"):
        store.set_priority("job-1", priority)
    assert store.get("job-1").priority == job_spec.priority


def test_set_priority_of_a_terminal_job_is_refused(store, make_job, job_spec):
    make_job("job-1", S.COMPLETE)
    with pytest.raises(JobStateError):
        store.set_priority("job-1", 99)
    assert store.get("job-1").priority == job_spec.priority


def test_set_priority_of_unknown_job_raises(store):
    with pytest.raises(JobNotFound):
        store.set_priority("nope", 1)


# --- leases -----------------------------------------------------------------------------

A = f"{socket.gethostname()}:1:aaaa"  # pid 1 always exists on this host
B = f"{socket.gethostname()}:1:bbbb"


def test_lease_is_refused_to_others_while_the_holder_is_live(store, make_job):
    make_job("job-1", S.READY)
    assert store.acquire_lease("job-1", A)
    assert not store.acquire_lease("job-1", B)
    assert store.get("job-1").lease_owner == A


def test_holder_can_acquire_its_lease_again(store, make_job, clock):
    make_job("job-1", S.READY)
    assert store.acquire_lease("job-1", A)
    clock.advance(10)
    assert store.acquire_lease("job-1", A)
    assert store.get("job-1").lease_expires == clock.now + LEASE_SECONDS


def test_expired_lease_goes_to_the_next_owner(store, make_job, clock):
    make_job("job-1", S.READY)
    assert store.acquire_lease("job-1", A)
    clock.advance(LEASE_SECONDS - 1)
    assert not store.acquire_lease("job-1", B)
    clock.advance(2)
    assert store.acquire_lease("job-1", B)
    record = store.get("job-1")
    assert (record.lease_owner, record.lease_expires) == (B, clock.now + LEASE_SECONDS)


def test_lease_of_a_dead_process_on_this_host_is_free_at_once(store, make_job, dead_owner):
    make_job("job-1", S.READY)
    assert store.acquire_lease("job-1", dead_owner)
    assert store.acquire_lease("job-1", B)
    assert store.get("job-1").lease_owner == B


def test_lease_of_another_host_is_only_freed_by_expiry(store, make_job, dead_pid, clock):
    make_job("job-1", S.READY)
    elsewhere = f"not-{socket.gethostname()}:{dead_pid}:x"
    assert store.acquire_lease("job-1", elsewhere)
    assert not store.acquire_lease("job-1", B)
    clock.advance(LEASE_SECONDS + 1)
    assert store.acquire_lease("job-1", B)


def test_acquire_lease_of_unknown_job_raises(store):
    with pytest.raises(JobNotFound):
        store.acquire_lease("nope", A)


def test_release_lease_frees_it_for_others(store, make_job):
    make_job("job-1", S.READY)
    store.acquire_lease("job-1", A)
    store.release_lease("job-1", A)
    record = store.get("job-1")
    assert (record.lease_owner, record.lease_expires) == (None, None)
    assert record.status is S.READY
    assert store.acquire_lease("job-1", B)


def test_release_lease_by_a_non_holder_does_nothing(store, make_job):
    make_job("job-1", S.READY)
    store.acquire_lease("job-1", A)
    store.release_lease("job-1", B)
    assert store.get("job-1").lease_owner == A


def test_renew_leases_extends_only_the_owners_leases(store, make_job, clock):
    make_job("job-1", S.ACTIVE)
    make_job("job-2", S.ACTIVE)
    store.acquire_lease("job-1", A)
    store.acquire_lease("job-2", B)
    clock.advance(10)
    store.renew_leases(A, ["job-1", "job-2"])
    assert store.get("job-1").lease_expires == clock.now + LEASE_SECONDS
    assert store.get("job-2").lease_expires == clock.now - 10 + LEASE_SECONDS
    clock.advance(LEASE_SECONDS - 5)  # past the first expiry, within the renewed one
    assert not store.acquire_lease("job-1", B)
    assert store.acquire_lease("job-2", A)


def test_lease_is_live(store, make_job, clock, dead_owner):
    make_job("job-1", S.ACTIVE)
    assert not store.lease_is_live(store.get("job-1"))
    store.acquire_lease("job-1", A)
    assert store.lease_is_live(store.get("job-1"))
    clock.advance(LEASE_SECONDS + 1)
    assert not store.lease_is_live(store.get("job-1"))
    store.acquire_lease("job-1", dead_owner)
    assert not store.lease_is_live(store.get("job-1"))


def test_runner_identity_names_this_host_and_process():
    host, pid, tag = runner_identity().split(":")
    assert (host, int(pid)) == (socket.gethostname(), os.getpid())
    assert tag and runner_identity() != runner_identity()


# --- orphans ----------------------------------------------------------------------------


def test_reap_orphans_pauses_an_active_job_whose_runner_died(store, make_job, dead_owner, dead_pid):
    make_job("job-1", S.ACTIVE)
    store.acquire_lease("job-1", dead_owner)
    assert store.reap_orphans() == ["job-1"]
    record = store.get("job-1")
    assert record.status is S.PAUSED
    assert f"pid {dead_pid}" in record.status_reason
    assert "Active" in record.status_reason
    assert store.history("job-1")[-1][::2] == (S.PAUSED, record.status_reason)


def test_reap_orphans_pauses_an_owned_job_without_any_lease(store, make_job):
    make_job("job-1", S.PREPARING)
    assert store.reap_orphans() == ["job-1"]
    record = store.get("job-1")
    assert record.status is S.PAUSED
    assert "its runner" in record.status_reason


def test_reap_orphans_pauses_a_job_whose_lease_expired(store, make_job, clock):
    make_job("job-1", S.ACTIVE)
    store.acquire_lease("job-1", f"not-{socket.gethostname()}:1:x")
    clock.advance(LEASE_SECONDS + 1)
    assert store.reap_orphans() == ["job-1"]
    assert store.get("job-1").status is S.PAUSED


def test_reap_orphans_pauses_every_orphan(store, make_job):
    ids = [make_job(f"job-{i}", S.ACTIVE) for i in range(4)]
    assert sorted(store.reap_orphans()) == ids
    assert {r.status for r in store.list()} == {S.PAUSED}


@pytest.mark.parametrize("status", [S.NEW, S.SUSPENDED, S.READY, S.PAUSED, S.COMPLETE, S.CANCELLED])
def test_reap_orphans_leaves_unowned_statuses_alone(store, make_job, status):
    make_job("job-1", status)
    assert store.reap_orphans() == []
    assert store.get("job-1").status is status


def test_reap_orphans_leaves_a_job_with_a_live_lease_alone(store, make_job):
    make_job("job-1", S.ACTIVE)
    store.acquire_lease("job-1", runner_identity())
    assert store.reap_orphans() == []
    assert store.get("job-1").status is S.ACTIVE


def test_reap_orphans_spares_a_job_taken_over_after_it_looked(store, make_job, dead_owner, clock):
    """Another process resumes the orphan between the reaper's look and its write."""
    make_job("job-1", S.ACTIVE)
    store.acquire_lease("job-1", dead_owner)
    other = Store(store.path, clock=clock)
    real_write = store._write

    def take_over_then_write():
        if other.get("job-1").lease_owner == dead_owner:
            other.reap_orphans()
            assert other.acquire_lease("job-1", runner_identity())
            other.set_status("job-1", S.ACTIVE)
        return real_write()

    store._write = take_over_then_write
    try:
        assert store.reap_orphans() == []
    finally:
        other.close()
    record = store.get("job-1")
    assert record.status is S.ACTIVE
    assert [status for status, _, _ in store.history("job-1")][-2:] == [S.PAUSED, S.ACTIVE]


# --- concurrency ------------------------------------------------------------------------


@pytest.mark.parametrize("separate_stores", [False, True], ids=["shared-store", "two-stores"])
def test_concurrent_writers_do_not_fail(store, make_job, separate_stores):
    """Two threads write at once, each on its own connection (WAL + busy timeout)."""
    make_job("job-1", S.ACTIVE)
    make_job("job-2", S.ACTIVE)
    rounds = 60
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def writer(job_id: str) -> None:
        mine = Store(store.path) if separate_stores else store
        try:
            start.wait()
            for n in range(1, rounds + 1):
                mine.checkpoint(job_id, progress(n, 1, watermark=n + 1), [failure(n)])
                mine.set_priority(job_id, n)
                mine.set_request("job-1", None)  # both threads write the same row too
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            mine.close()

    threads = [threading.Thread(target=writer, args=(job_id,)) for job_id in ("job-1", "job-2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert errors == []
    for job_id in ("job-1", "job-2"):
        record = store.get(job_id)
        assert (record.succeeded, record.watermark, record.priority) == (rounds, rounds + 1, rounds)
        assert len(list(store.failures(job_id))) == rounds
