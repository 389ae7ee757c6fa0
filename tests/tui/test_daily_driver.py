"""The TUI as a daily driver: the right job under the cursor, honest quits and dialogs, keys that add up."""

from __future__ import annotations

import json

from textual.widgets import Button, Static

from s3batch_tui.core.status import JobStatus as S
from s3batch_tui.core.store import Checkpoint
from s3batch_tui.tui.screens.confirm import ConfirmScreen
from s3batch_tui.tui.screens.inspector import InspectorScreen
from s3batch_tui.tui.screens.jobs import JobsScreen
from s3batch_tui.tui.screens.quit import QuitScreen, ResumeScreen
from tests.tui.snapshot_app import SIZE, make_app, settle
from tests.tui.test_jobs_screen import NOT_STARTED, RUNNING, SUSPENDED, app  # noqa: F401 - app is a fixture

COMPLETE_WITH_FAILURES = "22222222-0000-4000-8000-000000000002"
INTERRUPTED = "55555555-0000-4000-8000-000000000005"
MANIFEST = "photos-bucket,a.jpg\nphotos-bucket,b.jpg\n"


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
        assert "stops when you quit, so it pauses now" in text and "starts afresh" in text
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


# --- friction a daily user hits, and what users expect ---------------------------------------


async def test_status_filter_hide_finished_and_sort_header(app):
    async with app.run_test(size=(140, 45)) as pilot:
        await pilot.pause(0.3)
        screen = app.screen
        assert str(screen.table.columns["created"].label) == "Created ▼"
        await pilot.press("f")  # running
        assert {screen.table.get_row_at(i)[0].strip() for i in range(screen.table.row_count)} == {"11111111"}
        await pilot.press("f", "f")  # failed
        assert screen.table.row_count == 1 and screen.table.selected_job.startswith("33333333")
        await pilot.press("escape")  # no marks: esc clears the filters
        await pilot.press("h")
        assert screen.table.row_count == 4  # Complete and Failed hidden
        assert "finished hidden" in str(screen.query_one("#jobs-status-line", Static).render())
        await pilot.press("h", "s")
        assert screen.sort == "status" and str(screen.table.columns["status"].label) == "Status ▼"
        assert screen.table.selected_job in app.jobs
        assert screen.table.get_row_at(0)[0].strip() == "33333333"  # Failed first: it needs the user


async def test_g_and_shift_g_jump_to_the_ends(app):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.3)
        await pilot.press("G")
        assert app.screen.table.selected_job == RUNNING
        await pilot.press("g")
        assert app.screen.table.selected_job == NOT_STARTED


async def test_only_the_keys_that_apply_are_offered(app):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.3)
        screen = app.screen
        app.screen.table.select(COMPLETE_WITH_FAILURES)
        await pilot.pause()
        offered = {name for name in ("run_job", "cancel", "confirm_job", "retry_failed", "open_report")
                   if screen.check_action(name, ())}  # fmt: skip
        assert offered == {"retry_failed", "open_report"}
        app.screen.table.select(SUSPENDED)
        await pilot.pause()
        assert screen.check_action("confirm_job", ()) and not screen.check_action("retry_failed", ())


async def test_delete_a_finished_job_and_its_staging_files(app):
    staging = app.settings.job_dir(COMPLETE_WITH_FAILURES) / "staging"
    staging.mkdir(parents=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.3)
        app.screen.table.select(RUNNING)
        await pilot.pause()
        assert not app.screen.check_action("delete_jobs", ())  # it runs: not deletable
        app.screen.table.select(COMPLETE_WITH_FAILURES)
        await pilot.press("d")
        assert isinstance(app.screen, ConfirmScreen) and "reports already written stay" in question(app)
        await pilot.press("y")
        await settle(app, pilot)
        assert COMPLETE_WITH_FAILURES not in app.jobs and not staging.exists()
        assert app.screen.table.row_count == 5


async def test_clone_opens_the_wizard_filled_in_from_the_job(app, tmp_path):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.3)
        app.screen.table.select(COMPLETE_WITH_FAILURES)
        await pilot.press("C")
        await pilot.pause()
        state = app.screen.state
        assert state.description == "Copy invoices to backup" and state.operation == "S3PutObjectCopy"
        assert state.values["S3PutObjectCopy"]["TargetResource"] == "s3://backup"
        assert state.values["S3PutObjectCopy"]["StorageClass"] == "GLACIER_IR"
        assert state.manifest_text == "/data/manifests/photos.csv" and state.report_bucket == "/data/reports"


async def test_copy_the_job_id(app):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.3)
        await pilot.press("Y")
        assert app.clipboard == NOT_STARTED


def test_a_cloned_spec_builds_the_same_job():
    from s3batch_tui.tui.screens.wizard.clone import fill_from_spec
    from s3batch_tui.tui.screens.wizard.state import WizardState
    from tests.tui.snapshot_app import spec

    original = spec({"S3PutObjectTagging": {"TagSet": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": ""}]}},
                    "Tag it", LocalOptions={"MaxOperationsPerSecond": 50})  # fmt: skip
    state = fill_from_spec(WizardState(), original)
    state.manifest = original.manifest.model_dump(by_alias=True, exclude_none=True)  # the wizard pins it again
    from s3batch_tui.core.spec import JobSpec

    cloned = JobSpec.model_validate(state.to_job_dict()).to_json_dict()
    assert cloned == original.to_json_dict() | {"ConfirmationRequired": False}  # the wizard always says it


async def test_tick_boxes_differ_in_shape_not_only_colour():
    from textual.app import App

    from s3batch_tui.tui.widgets.tickbox import TickBox

    class Boxes(App):
        def compose(self):
            yield TickBox("on", True, id="on")
            yield TickBox("off", False, id="off")

    app = Boxes()
    async with app.run_test() as pilot:
        on, off = app.query_one("#on", TickBox), app.query_one("#off", TickBox)
        assert on._button.plain == "▐✓▌" and off._button.plain == "▐ ▌"
        off.toggle()
        await pilot.pause()
        assert off._button.plain == "▐✓▌"


async def test_a_report_row_opens_in_a_modal_to_read_and_copy(tmp_path, monkeypatch):
    from tests.tui.test_report_screen import LOCATION, open_screen, write_real_report
    from s3batch_tui.tui.screens.row_detail import RowScreen

    monkeypatch.chdir(tmp_path)
    write_real_report(tmp_path)
    app = make_app(tmp_path / "home", seeded=False)
    async with app.run_test(size=SIZE) as pilot:
        from tests.tui.test_report_screen import settle as report_settle

        await open_screen(pilot, LOCATION)
        await pilot.press("f")  # failed rows only
        await report_settle(pilot)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, RowScreen)
        text = app.screen.query_one("#row-text").text
        assert "Key        photos/2025/winter trip/IMG_0000.jpg" in text and "AccessDenied" in text
        await pilot.press("u")
        assert app.clipboard == "s3://photo-archive/photos/2025/winter trip/IMG_0000.jpg"
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, RowScreen)


async def test_the_file_tree_climbs_to_the_parent_folder(tmp_path, monkeypatch):
    (tmp_path / "inner").mkdir()
    monkeypatch.chdir(tmp_path / "inner")
    app = make_app(tmp_path / "home", seeded=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await pilot.pause()
        from s3batch_tui.tui.screens.wizard.manifest_step import ManifestTree

        tree = app.screen.query_one(ManifestTree)
        tree.focus()
        await pilot.press("backspace")
        await pilot.pause()
        assert tree.path == tmp_path


async def test_copy_the_report_location_from_the_inspector(app):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.3)
        app.open_inspector(COMPLETE_WITH_FAILURES)
        await pilot.pause(0.3)
        await pilot.press("U")
        assert app.clipboard == "file:///data/reports/job-2222/manifest.json"


async def test_the_inspector_tails_the_latest_failures_while_the_job_runs(app):
    from textual.widgets import DataTable

    from s3batch_tui.core.store import FailureRow

    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.3)
        app.open_inspector(RUNNING)
        await pilot.pause(1.2)
        table = app.screen.query_one("#inspector-failures", DataTable)
        assert table.row_count == 0
        fresh = [FailureRow(90_000 + i, "photos", f"late+{i}.jpg", None, 503, "SlowDown", "Please reduce") for i in range(3)]
        app.store.checkpoint(RUNNING, Checkpoint(48_300, 315, 97.0, 48_615, [], None, {}), fresh)
        app.poll_now()
        await pilot.pause(1.5)  # details reload at most once a second
        assert table.row_count == 3 and str(table.get_row_at(0)[0]) == "late 2.jpg"  # newest first


async def test_an_invalid_generator_is_not_left_listing_forever(tmp_path, monkeypatch):
    from textual.widgets import Input

    monkeypatch.chdir(tmp_path)
    app = make_app(tmp_path / "home", seeded=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await pilot.click("Tab#--content-tab-tab-generator")
        await pilot.pause()
        app.screen.query_one("#gen-bucket", Input).value = "photos"
        app.screen.query_one("#gen-storage_classes", Input).value = "GLACIERX"
        await pilot.click("#generator-use")
        await pilot.pause(0.3)
        scan = str(app.screen.query_one("#manifest-scan", Static).render())
        assert "not listed: fix the generator's fields first" in scan and "listing the bucket" not in scan
        problems = [p.text for p in app.screen.state.problems("Manifest")]
        assert problems == ["Generator: unknown storage class 'GLACIERX' (one of STANDARD, STANDARD_IA, "
                            "ONEZONE_IA, GLACIER, INTELLIGENT_TIERING, DEEP_ARCHIVE, GLACIER_IR)"]  # fmt: skip
