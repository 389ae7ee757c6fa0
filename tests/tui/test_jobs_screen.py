"""The jobs screen: the live table, keys, dialogs (snapshots: test_snapshots.py)."""

from __future__ import annotations

import pytest

from s3batch_tui.core.status import JobStatus
from tests.tui.snapshot_app import SIZE, make_app, settle

RUNNING = "11111111-0000-4000-8000-000000000001"
SUSPENDED = "44444444-0000-4000-8000-000000000004"
NOT_STARTED = "66666666-0000-4000-8000-000000000006"


@pytest.fixture
def app(tmp_path):
    return make_app(tmp_path / "home")


async def test_rows_follow_the_store_newest_first(app):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.3)
        table = app.screen.table
        assert table.row_count == 6
        assert table.selected_job == NOT_STARTED
        row = table.get_row(RUNNING)
        assert "48.2k/312/120k" in row and str(row[3]) == "Active"


async def test_filter_and_sort(app):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.3)
        await pilot.press("slash", *"restore", "enter")
        assert app.screen.table.row_count == 1 and app.screen.table.selected_job == SUSPENDED
        await pilot.press("escape")
        assert app.screen.table.row_count == 6
        await pilot.press("s", "s")  # newest → status → priority
        assert app.screen.sort == "priority"


async def test_cancel_asks_first_and_back_does_nothing(app):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.3)
        await pilot.press("c")
        assert app.screen.__class__.__name__ == "ConfirmScreen"
        await pilot.press("escape")
        await pilot.pause(0.3)
        assert app.store.get(NOT_STARTED).status == JobStatus.NEW


async def test_cancel_confirmed_cancels_a_job_nobody_runs(app):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.3)
        await pilot.press("c", "y")
        await settle(app, pilot)
        assert app.store.get(NOT_STARTED).status == JobStatus.CANCELLED


async def test_marked_jobs_are_acted_on_together(app):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.3)
        table = app.screen.table
        await pilot.press("space")  # marks the not-started job, moves down
        await pilot.press("j", "space")
        assert len(app.screen.marked) == 2
        await pilot.press("plus")
        await settle(app, pilot)
        priorities = {app.store.get(job_id).priority for job_id in app.screen.marked}
        assert priorities == {11}
        assert table.row_count == 6


async def test_palette_lists_job_commands(app):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.3)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert {"job: cancel", "job: pause or resume", "jobs: filter", "job: new"} <= set(titles)


async def test_a_failing_store_read_is_said_once_and_the_table_follows_the_store_again(app, monkeypatch):
    real_list, failures = app.store.list, []

    def flaky_list():
        if len(failures) < 3:  # three reads in a row fail, as a locked or vanished file would
            failures.append(1)
            raise OSError("disk I/O error")
        return real_list()

    monkeypatch.setattr(app.store, "list", flaky_list)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(1.5)
        messages = [str(n.message) for n in app._notifications]
        assert messages.count("Cannot read the job store: disk I/O error; trying again") == 1
        assert app.screen.table.row_count == 6  # the poller lived on


async def test_an_action_that_fails_unexpectedly_says_so(app, monkeypatch):
    def broken_cancel(job_id):
        raise RuntimeError("the store went away")

    monkeypatch.setattr(app.actions, "cancel", broken_cancel)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.3)
        await pilot.press("c", "y")
        await settle(app, pilot)
        messages = [str(n.message) for n in app._notifications]
        assert "The job action failed: RuntimeError: the store went away" in messages
        assert app.store.get(NOT_STARTED).status == JobStatus.NEW
