"""Main flows from the keyboard against a real SeaweedFS, with real runner processes."""

from __future__ import annotations

import asyncio
import time

import pytest

from s3batch_tui.core.spec import load_job_spec
from s3batch_tui.core.status import JobStatus
from s3batch_tui.settings import Settings
from s3batch_tui.tui.app import build_app
from tests.integration.conftest import make_job  # noqa: F401 - a fixture
from tests.tui.snapshot_app import SIZE, settle

pytestmark = pytest.mark.usefixtures("server_env")


async def until(pilot, predicate, timeout: float = 60.0) -> None:
    """Let the app run until `predicate()` holds (the store is polled 4 times a second)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for the app; the store holds: {stored(pilot.app)}"
        await pilot.pause(0.2)


def stored(app) -> list[tuple]:
    """What the store says of every job (status, request, counts, history), to tell why a wait timed out."""
    return [(r.id[:8], r.status, r.requested, r.succeeded, r.failed, app.store.history(r.id)) for r in app.store.list()]


def status(app, job_id):
    record = app.jobs.get(job_id)
    return record.status if record else None


@pytest.fixture
def app(tmp_path):
    return build_app(Settings.load(tmp_path / "home", 4), check_credentials=False)


async def test_a_job_started_from_the_table_runs_to_complete_in_a_runner_process(app, make_job, s3, bucket):
    job_path, keys = make_job(30)
    async with app.run_test(size=SIZE) as pilot:
        job_id = app.actions.create(load_job_spec(job_path), run=False)
        await until(pilot, lambda: job_id in app.jobs)
        await pilot.press("r")
        await until(pilot, lambda: status(app, job_id) == JobStatus.COMPLETE)
        assert app.jobs[job_id].succeeded == 30
    assert s3.get_object_tagging(Bucket=bucket, Key=keys[0])["TagSet"] == [{"Key": "done", "Value": "yes"}]


async def test_pause_then_resume_a_running_job(app, make_job):
    job_path, _ = make_job(60, LocalOptions={"MaxOperationsPerSecond": 20})
    async with app.run_test(size=SIZE) as pilot:
        job_id = app.actions.create(load_job_spec(job_path), run=True)
        await until(pilot, lambda: status(app, job_id) == JobStatus.ACTIVE and app.jobs[job_id].succeeded > 0)
        await pilot.press("p")
        await until(pilot, lambda: status(app, job_id) == JobStatus.PAUSED)
        held = app.jobs[job_id].succeeded
        await asyncio.sleep(0.8)
        assert app.store.get(job_id).succeeded == held
        await pilot.press("p")
        await until(pilot, lambda: status(app, job_id) == JobStatus.COMPLETE)
        assert app.jobs[job_id].succeeded == 60


async def test_cancel_a_running_job_after_confirming(app, make_job):
    job_path, _ = make_job(60, LocalOptions={"MaxOperationsPerSecond": 15})
    async with app.run_test(size=SIZE) as pilot:
        job_id = app.actions.create(load_job_spec(job_path), run=True)
        await until(pilot, lambda: status(app, job_id) == JobStatus.ACTIVE)
        await pilot.press("c")
        assert job_id[:8] in app.screen.question and "tasks have not run yet" in app.screen.question
        await pilot.press("y")
        await until(pilot, lambda: status(app, job_id) == JobStatus.CANCELLED)
        record = app.jobs[job_id]
        assert 0 < record.succeeded < 60 and record.report_location


async def test_retry_failed_runs_a_new_job_over_the_failures(app, make_job, s3, bucket):
    job_path, _ = make_job(5, missing=("late/a.txt", "late/b.txt"))
    async with app.run_test(size=SIZE) as pilot:
        first = app.actions.create(load_job_spec(job_path), run=True)
        await until(pilot, lambda: status(app, first) == JobStatus.COMPLETE)
        for key in ("late/a.txt", "late/b.txt"):
            s3.put_object(Bucket=bucket, Key=key, Body=b"here now")
        await pilot.press("R")
        await settle(app, pilot)
        retry = next(job_id for job_id in app.jobs if job_id != first)
        await until(pilot, lambda: app.screen.table.selected_job == retry, timeout=5)  # the cursor follows R
        await until(pilot, lambda: status(app, retry) == JobStatus.COMPLETE)
        assert (app.jobs[retry].total_tasks, app.jobs[retry].succeeded) == (2, 2)


async def test_quitting_while_a_job_runs_can_pause_it_for_next_time(app, make_job):
    job_path, _ = make_job(60, LocalOptions={"MaxOperationsPerSecond": 15})
    async with app.run_test(size=SIZE) as pilot:
        job_id = app.actions.create(load_job_spec(job_path), run=True)
        await until(pilot, lambda: status(app, job_id) == JobStatus.ACTIVE)
        await pilot.press("q")
        assert app.screen.__class__.__name__ == "QuitScreen"
        await pilot.press("p")
        await until(pilot, lambda: not app.launcher.alive(), timeout=30)
    record = app.store.get(job_id)
    assert record.status == JobStatus.PAUSED and "interrupted" in record.status_reason


async def test_no_credentials_points_at_the_demo(tmp_path, monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    app = build_app(Settings.load(tmp_path / "home"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot, group="default")
        await pilot.pause(0.5)
        messages = [n.message for n in app._notifications]
        assert any("No AWS credentials found" in m and "s3batch-tui demo" in m for m in messages)
