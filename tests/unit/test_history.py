"""Deleting and pruning jobs: store rows and staging files go, written reports stay."""

from __future__ import annotations

from datetime import datetime

import pytest

from s3batch_tui.core import history
from s3batch_tui.core.errors import InputError, JobNotFound, JobStateError
from s3batch_tui.core.status import JobStatus
from s3batch_tui.core.store import FailureRow, Checkpoint
from s3batch_tui.settings import Settings


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings.load(tmp_path / "home")


def staged(settings: Settings, job_id: str):
    staging = settings.job_dir(job_id) / "staging"
    staging.mkdir(parents=True)
    (staging / "succeeded.csv").write_text("b,k,,succeeded,200,,\n")
    return staging


def test_delete_removes_the_job_its_history_failures_and_staging(store, settings, make_job, tmp_path):
    job_id = make_job("a", JobStatus.COMPLETE)
    store.checkpoint(job_id, Checkpoint(1, 1, 1.0, 2, [], None, {}),
                     [FailureRow(1, "b", "k", None, 404, "NoSuchKey", "gone")])  # fmt: skip
    staging = staged(settings, job_id)
    report = tmp_path / "reports" / "job-a" / "manifest.json"
    report.parent.mkdir(parents=True)
    report.write_text("{}")
    keep = make_job("b", JobStatus.COMPLETE)
    history.delete_job(store, settings, job_id)
    with pytest.raises(JobNotFound):
        store.get(job_id)
    assert store.history(job_id) == [] and list(store.failures(job_id)) == []
    assert not staging.exists() and report.exists()
    assert [r.id for r in store.list()] == [keep]


@pytest.mark.parametrize("status", [JobStatus.ACTIVE, JobStatus.SUSPENDED, JobStatus.PREPARING])
def test_a_job_in_flight_is_not_deleted(store, settings, make_job, status):
    job_id = make_job("a", status)
    staging = staged(settings, job_id)
    with pytest.raises(JobStateError, match="cancel it before deleting"):
        history.delete_job(store, settings, job_id)
    assert store.get(job_id).status == status and staging.exists()


def test_a_job_a_runner_holds_is_not_deleted(store, settings, make_job):
    job_id = make_job("a", JobStatus.PAUSED)
    assert store.acquire_lease(job_id, "this-test")  # a live owner (not a dead pid)
    with pytest.raises(JobStateError, match="being run"):
        history.delete_job(store, settings, job_id)


def test_prune_deletes_only_jobs_that_ended_before_the_date(store, settings, make_job, clock):
    old = make_job("old", JobStatus.COMPLETE)
    clock.advance(10 * 86_400)
    recent = make_job("recent", JobStatus.FAILED)
    waiting = make_job("waiting", JobStatus.NEW)
    assert history.prune(store, settings, before=clock() - 86_400) == [old]
    assert {r.id for r in store.list()} == {recent, waiting}


def test_parse_before_takes_dates_times_and_ages():
    now = datetime(2026, 3, 10, 12, 0).astimezone().timestamp()
    assert history.parse_before("2d", now) == now - 2 * 86_400
    assert history.parse_before("12h", now) == now - 12 * 3600
    assert history.parse_before("1w", now) == now - 7 * 86_400
    assert history.parse_before("2026-03-01", now) == datetime(2026, 3, 1).astimezone().timestamp()
    assert history.parse_before("2026-03-01T00:00:00Z", now) == 1772323200.0
    with pytest.raises(InputError, match="--before: expected a date"):
        history.parse_before("last tuesday", now)
