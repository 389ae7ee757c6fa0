"""The TUI as a daily driver: the right job under the cursor, honest quits and dialogs, keys that add up."""

from __future__ import annotations

import json

import pytest
from textual.widgets import Button, Static

from s3batch_tui.core.status import JobStatus as S
from s3batch_tui.core.store import Checkpoint
from s3batch_tui.tui.screens.confirm import ConfirmScreen
from s3batch_tui.tui.screens.inspector import InspectorScreen
from s3batch_tui.tui.screens.jobs import JobsScreen
from s3batch_tui.tui.screens.quit import QuitScreen, ResumeScreen
from tests.tui.snapshot_app import SIZE, make_app, settle

RUNNING = "11111111-0000-4000-8000-000000000001"
COMPLETE_WITH_FAILURES = "22222222-0000-4000-8000-000000000002"
SUSPENDED = "44444444-0000-4000-8000-000000000004"
INTERRUPTED = "55555555-0000-4000-8000-000000000005"
NOT_STARTED = "66666666-0000-4000-8000-000000000006"
MANIFEST = "photos-bucket,a.jpg\nphotos-bucket,b.jpg\n"


@pytest.fixture
def app(tmp_path):
    return make_app(tmp_path / "home")


def question(app) -> str:
    return str(app.screen.query_one("#confirm-question", Static).render())


async def test_the_cursor_lands_on_a_job_made_in_the_wizard(tmp_path, monkeypatch):
    (tmp_path / "m.csv").write_text(MANIFEST)
    monkeypatch.chdir(tmp_path)
    app = make_app(tmp_path / "home")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.3)
        await pilot.press("G")  # the cursor on the oldest job, far from where the new one appears
        assert app.screen.table.selected_job == RUNNING
        app.open_wizard()
        await pilot.pause()
        await pilot.press(*"m.csv", "enter")
        for _ in range(3):
            await settle(app, pilot, group="manifest")
        await pilot.press("ctrl+n")
        await pilot.pause()
        app.screen.state.operation = "S3DeleteObjectTagging"
        await pilot.press("ctrl+n", "ctrl+n")
        await pilot.pause()
        await pilot.press("c")
        await settle(app, pilot, group="review")
        await settle(app, pilot)
        assert isinstance(app.screen, JobsScreen)
        [created] = set(app.jobs) - {RUNNING, COMPLETE_WITH_FAILURES, SUSPENDED, INTERRUPTED, NOT_STARTED,
                                     "33333333-0000-4000-8000-000000000003"}  # fmt: skip
        assert app.screen.table.selected_job == created
        await pilot.press("y")  # confirm: the new job is New, so y does nothing to the Suspended one
        await settle(app, pilot)
        assert app.store.get(SUSPENDED).status == S.SUSPENDED


async def test_every_quit_path_asks_while_a_job_runs_in_another_process(app):
    # RUNNING is held by a runner that is not ours (as after resuming a job a past session runs).
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.3)
        assert app.launcher.alive() == [] and app.running_jobs() == [RUNNING]
        for quit_path in (lambda: pilot.press("ctrl+q"), app.action_quit, lambda: pilot.press("q")):
            await quit_path()
            await pilot.pause()
            assert isinstance(app.screen, QuitScreen), quit_path
            assert "1 job is running" in str(app.screen.query_one("#quit-question", Static).render())
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, JobsScreen)
        assert app.is_running


async def test_the_demo_quit_dialog_says_what_happens(tmp_path):
    app = make_app(tmp_path / "home", ephemeral=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.3)
        await pilot.press("q")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, QuitScreen)
        text = str(screen.query_one("#quit-question", Static).render())
        assert "stops when you quit, so they pause now" in text and "starts afresh" in text
        assert [b.id for b in screen.query(Button)] == ["pause", "back"]
        await pilot.press("k")  # no "keep running" in the demo
        await pilot.pause()
        assert isinstance(app.screen, QuitScreen)


async def test_jobs_paused_by_quitting_are_offered_for_resuming_at_start(tmp_path):
    app = make_app(tmp_path / "home", offer_resume=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.3)
        screen = app.screen
        assert isinstance(screen, ResumeScreen) and [j.id for j in screen.jobs] == [INTERRUPTED]
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, JobsScreen) and app.store.get(INTERRUPTED).status == S.PAUSED


async def test_a_burst_of_plus_presses_counts_every_press(app):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.3)
        await pilot.press("plus", "plus", "plus", "plus")  # no pause between: key repeat
        await settle(app, pilot)
        assert app.store.get(NOT_STARTED).priority == 14


async def test_the_inspector_shows_one_priority_the_live_one(app):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.3)
        screen = app.screen
        assert isinstance(screen, InspectorScreen)
        await pilot.press("plus")
        await settle(app, pilot)
        assert "priority 11" in str(screen.query_one("#inspector-title", Static).render())
        body = " ".join(str(w.render()) for w in screen.query(".spec-label"))
        assert "Priority" not in body


async def test_cancel_dialog_words_and_live_counts(app):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.3)
        await pilot.press("c")  # the New job: its total is not known
        assert isinstance(app.screen, ConfirmScreen)
        assert "not counted yet" in question(app) and "0 tasks" not in question(app)
        assert app.screen.title_text == "Cancel job"
        assert str(app.screen.query_one("#confirm-yes", Button).label) == "Cancel job (y)"
        await pilot.press("escape")
        await pilot.press("G")  # RUNNING: 48,522 of 120,000 done
        await pilot.press("c")
        assert "71,478 tasks have not run yet" in question(app)
        app.store.checkpoint(RUNNING, Checkpoint(50_210, 312, 96.0, 50_522, [], None, {}), [])
        app.poll_now()
        await pilot.pause(0.5)
        assert "69,478 tasks have not run yet" in question(app)  # updated while open


async def test_marks_apply_to_two_jobs_and_esc_clears_them(app):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.3)
        await pilot.press("space", "space")
        assert len(app.screen.marked) == 2
        await pilot.press("c")
        assert app.screen.title_text == "Cancel 2 jobs"
        assert str(app.screen.query_one("#confirm-yes", Button).label) == "Cancel 2 jobs (y)"
        await pilot.press("escape")
        await pilot.press("escape")
        assert app.screen.marked == set()
        await pilot.press("a")
        assert len(app.screen.marked) == 6


async def test_failed_tasks_change_the_colour_and_the_toast(app):
    from s3batch_tui.tui.app import status_notice

    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.3)
        row = app.screen.table.get_row(COMPLETE_WITH_FAILURES)
        status = row[list(app.screen.table.widths).index("status")]
        assert status.plain == "Complete ⚠" and app.theme_variables["warning"] in str(status.style)
        text, severity = status_notice(app.jobs[COMPLETE_WITH_FAILURES])
        assert "completed with 10 failed" in text and severity == "warning"
        failed = status_notice(app.jobs["33333333-0000-4000-8000-000000000003"])
        assert "failed: 1,200 of 1,800 tasks failed, more than the 50% allowed" in failed[0] and failed[1] == "error"


async def test_toasts_use_short_ids_and_capitals(app):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.3)
        app.screen.table.select(COMPLETE_WITH_FAILURES)
        app.screen._do(lambda: app.actions.change_priority(COMPLETE_WITH_FAILURES, 1))
        await settle(app, pilot)
        [message] = [n.message for n in app._notifications if "ended" in n.message]
        assert message.startswith("Job 22222222 has ended") and COMPLETE_WITH_FAILURES not in message


async def test_w_asks_before_overwriting_a_job_file(tmp_path, monkeypatch):
    (tmp_path / "m.csv").write_text(MANIFEST)
    (tmp_path / "job.json").write_text('{"mine": true}')
    monkeypatch.chdir(tmp_path)
    app = make_app(tmp_path / "home", seeded=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", *"m.csv", "enter")
        await settle(app, pilot, group="manifest")
        app.screen.state.operation = "S3DeleteObjectTagging"
        await pilot.press("ctrl+n", "ctrl+n", "ctrl+n")
        await pilot.pause()
        await pilot.press("w")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen) and "job.json already exists" in question(app)
        await pilot.press("escape")
        await settle(app, pilot, group="review")
        assert json.loads((tmp_path / "job.json").read_text()) == {"mine": True}
        await pilot.press("w", "y")
        await settle(app, pilot, group="review")
        assert "S3DeleteObjectTagging" in (tmp_path / "job.json").read_text()


def test_report_rows_show_tabs_and_trailing_spaces_escaped():
    from s3batch_tui.core.report import ReportRow
    from s3batch_tui.core.report.browse import ReportPage
    from s3batch_tui.tui.widgets.report_view import column_widths, row_cells

    row = ReportRow("b", "tab%09in+key++", None, "failed", 404, "NoSuchKey", "line\nbreak")
    page = ReportPage([row], 0, 50, 1, False)
    cells = row_cells(row, 1, column_widths(page, 140), {})
    plain = [cell.plain for cell in cells]
    assert "tab\\tin key␠␠" in plain and "\t" not in "".join(plain)
    assert "line\\nbreak" in plain
