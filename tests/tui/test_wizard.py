"""The new-job wizard: manifest → operation → options → review, from the keyboard (snapshots: test_snapshots.py)."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import pytest
from rich.console import Console
from textual.widgets import Checkbox, Input, OptionList, Static

from s3batch_tui.core.spec import load_job_spec
from s3batch_tui.core.status import JobStatus
from s3batch_tui.tui.screens.confirm import ConfirmScreen
from s3batch_tui.tui.screens.jobs import JobsScreen
from s3batch_tui.tui.screens.wizard.manifest_step import ManifestStep
from s3batch_tui.tui.screens.wizard.operation_step import OperationStep
from s3batch_tui.tui.screens.wizard.options_step import OptionsStep
from s3batch_tui.tui.screens.wizard.review_step import ReviewStep
from s3batch_tui.tui.screens.wizard.s3_browser import S3Browser, _Place
from tests.tui.snapshot_app import SIZE, make_app

MANIFEST_ROWS = "photos-bucket,2025/beach%20day.jpg\nphotos-bucket,2025/city+night.jpg\nphotos-bucket,2025/snow.jpg\n"


async def settle(app, pilot) -> None:
    """Wait for the wizard's workers (never the store poller or the directory tree's loader)."""
    for _ in range(3):
        workers = [w for w in app.workers if w.group in ("manifest", "s3-browse", "review")]
        if workers:  # an empty list would mean "every worker"
            await app.workers.wait_for_complete(workers)
        await pilot.pause()


def text_of(app, selector: str) -> str:
    """The plain text a Static shows."""
    return str(app.screen.query_one(selector, Static).render())


def table_text(renderable) -> str:
    """A Rich renderable as plain text."""
    console = Console(width=120, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


@pytest.fixture
def workdir(tmp_path, monkeypatch) -> Path:
    """The current directory, holding manifests/photos.csv (3 tasks)."""
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "photos.csv").write_text(MANIFEST_ROWS)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def app(workdir):
    return make_app(workdir / "home", seeded=False)


async def to_operation_step(app, pilot, manifest: str = "manifests/photos.csv",
                            operation: str | None = "S3PutObjectTagging") -> None:  # fmt: skip
    """Open the wizard, type the manifest's path, wait for its validation, go on, choose `operation`."""
    await pilot.press("n")
    assert isinstance(app.screen, ManifestStep)
    await pilot.press(*manifest, "enter")
    await settle(app, pilot)
    await pilot.press("ctrl+n")
    await pilot.pause()
    assert isinstance(app.screen, OperationStep)
    if operation:
        await choose(app, pilot, operation)


async def choose(app, pilot, operation: str) -> None:
    """Highlight an operation in the list (the wizard starts with none)."""
    listing = app.screen.query_one("#operation-list", OptionList)
    listing.highlighted = listing.get_option_index(operation)
    await pilot.pause()


async def add_tag(pilot, key: str, value: str) -> None:
    """From the operation list: into the tag editor's first row."""
    await pilot.press("tab", *key, "tab", *value)


# --- flows ----------------------------------------------------------------------------


async def test_create_a_tagging_job_from_a_typed_path(app):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await pilot.press(*"manifests/photos.csv", "enter")
        await settle(app, pilot)
        state = app.screen.state
        assert state.task_count == 3 and state.scan_errors == []
        assert "Valid: 3 tasks" in text_of(app, "#manifest-scan")
        assert "CSV, 2 columns" in text_of(app, "#manifest-format")
        assert "beach day.jpg" in table_text(app.screen.query_one("#manifest-preview", Static).content)
        await pilot.press("ctrl+n")
        await pilot.pause()
        await choose(app, pilot, "S3PutObjectTagging")
        await add_tag(pilot, "team", "photo")
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert isinstance(app.screen, OptionsStep)
        await pilot.press(*"Tag the photos")
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert isinstance(app.screen, ReviewStep)
        job_json = text_of(app, "#review-json-text")
        assert '"S3PutObjectTagging"' in job_json and '"team"' in job_json
        cost = text_of(app, "#review-cost")
        assert "$0.25" in cost and "3 tasks" in cost and "local: no job fee" in cost and "extra" in cost
        await pilot.press("c")
        await settle(app, pilot)
        assert isinstance(app.screen, JobsScreen)
    [record] = app.store.list()
    assert record.status == JobStatus.NEW and record.description == "Tag the photos"
    job = record.spec.to_json_dict()
    assert job["Operation"] == {"S3PutObjectTagging": {"TagSet": [{"Key": "team", "Value": "photo"}]}}
    assert job["Manifest"]["Location"]["ObjectArn"] == f"file://{Path.cwd() / 'manifests/photos.csv'}"


async def test_an_invalid_tag_key_is_shown_inline_and_next_is_refused(app):
    async with app.run_test(size=SIZE) as pilot:
        await to_operation_step(app, pilot)
        await add_tag(pilot, "k", "v")
        app.screen.query_one(".tag-key", Input).value = "k" * 129
        await pilot.pause()
        assert "Tags: tag key 'kkkkkkkkkkkkkkkkkkkk'… is 129 characters; S3 allows 128" in text_of(
            app, "#field-TagSet .form-error")
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert isinstance(app.screen, OperationStep)
        assert "1 problem" in text_of(app, "#wizard-hint")


async def test_an_empty_copy_destination_refuses_next(app):
    async with app.run_test(size=SIZE) as pilot:
        await to_operation_step(app, pilot, operation="S3PutObjectCopy")
        assert app.screen.state.operation == "S3PutObjectCopy"
        assert "Destination bucket: required" in text_of(app, "#field-TargetResource .form-error")
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert isinstance(app.screen, OperationStep)
        await pilot.press("tab", *"backup-bucket")
        await pilot.pause()
        assert app.screen.state.problems("Operation") == []
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert isinstance(app.screen, OptionsStep)


async def test_esc_goes_back_a_step_and_keeps_everything(app):
    async with app.run_test(size=SIZE) as pilot:
        await to_operation_step(app, pilot)
        await add_tag(pilot, "team", "photo")
        await pilot.press("ctrl+n")
        await pilot.pause()
        await pilot.press(*"kept", "escape")
        await pilot.pause()
        assert isinstance(app.screen, OperationStep)
        assert app.screen.query_one(".tag-key", Input).value == "team"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ManifestStep)
        assert app.screen.query_one("#manifest-location", Input).value == "manifests/photos.csv"
        assert "Valid: 3 tasks" in text_of(app, "#manifest-scan")
        await pilot.press("ctrl+n", "ctrl+n")
        await pilot.pause()
        assert app.screen.query_one("#opt-description", Input).value == "kept"
        await pilot.press("escape", "escape", "escape")
        await pilot.pause()
        assert isinstance(app.screen, JobsScreen)


async def test_a_bad_manifest_shows_its_errors_with_line_numbers_and_refuses_next(app, workdir):
    (workdir / "bad.csv").write_text("photos-bucket,a.jpg\nphotos-bucket\n")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", *"bad.csv", "enter")
        await settle(app, pilot)
        scan = text_of(app, "#manifest-scan")
        assert "Invalid: 1 error " in scan and "(1 good row)" in scan and "bad.csv line 2 column" in scan
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert isinstance(app.screen, ManifestStep)


async def test_delete_needs_the_checkbox_then_a_confirmation(app):
    async with app.run_test(size=SIZE) as pilot:
        await to_operation_step(app, pilot)
        app.screen.query_one("#operation-list", OptionList).highlighted = 9  # Delete objects (local)
        await pilot.pause()
        assert app.screen.state.operation == "LocalDeleteObject"
        box = app.screen.query_one("#input-field-Confirmed", Checkbox)
        assert str(box.label) == "I understand this deletes 3 objects"
        assert "Deletes 3 objects" in text_of(app, "#operation-warning")
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert isinstance(app.screen, OperationStep)
        box.focus()
        await pilot.press("space", "ctrl+n")
        await pilot.pause()
        await pilot.press("ctrl+n")
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(app, pilot)
    [record] = app.store.list()
    assert record.spec.to_json_dict()["Operation"] == {"LocalDeleteObject": {"Confirmed": True}}


async def test_save_the_job_file(app, workdir):
    async with app.run_test(size=SIZE) as pilot:
        await to_operation_step(app, pilot)
        await pilot.press("ctrl+n", "ctrl+n")
        await pilot.pause()
        app.screen.query_one("#review-save-path", Input).value = "out/job.json"
        await pilot.press("w")
        await settle(app, pilot)
    spec = load_job_spec(workdir / "out" / "job.json")
    assert spec.operation.name == "S3PutObjectTagging" and spec.report.bucket == f"file://{workdir / 'home/reports'}"
    assert app.store.list() == []


@pytest.mark.usefixtures("server_env")
async def test_pick_a_manifest_by_browsing_s3(app, s3, bucket):
    s3.put_object(Bucket=bucket, Key="lists/m.csv", Body=MANIFEST_ROWS.encode())
    etag = s3.head_object(Bucket=bucket, Key="lists/m.csv")["ETag"].strip('"')
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await pilot.click("Tab#--content-tab-tab-s3")
        await settle(app, pilot)
        browser = app.screen.query_one(S3Browser)
        for wanted in (_Place(bucket), _Place(bucket, "lists/"), ("object", "lists/m.csv")):
            entries = browser.query_one("#s3-entries", OptionList)
            entries.highlighted = browser._actions.index(wanted)
            entries.focus()
            await pilot.press("enter")
            await settle(app, pilot)
        state = app.screen.state
        assert state.manifest["Location"] == {"ObjectArn": f"arn:aws:s3:::{bucket}/lists/m.csv", "ETag": etag}
        assert state.task_count == 3


@pytest.mark.usefixtures("server_env")
async def test_a_generator_counts_its_matches_saves_and_creates(app, workdir, s3, bucket):
    for key in ("logs/a.gz", "logs/b.txt", "other/c.gz"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await pilot.click("Tab#--content-tab-tab-generator")
        await pilot.pause()
        for name, value in (("bucket", bucket), ("prefixes", "logs/"), ("suffixes", ".gz")):
            app.screen.query_one(f"#gen-{name}", Input).value = value
        await pilot.click("#generator-use")
        await settle(app, pilot)
        assert app.screen.state.task_count == 1
        assert "1 objects match now" in text_of(app, "#manifest-scan")
        await pilot.press("ctrl+n")
        await pilot.pause()
        await choose(app, pilot, "S3PutObjectTagging")
        await pilot.press("ctrl+n", "ctrl+n")
        await pilot.pause()
        assert isinstance(app.screen, ReviewStep)
        app.screen.query_one("#review-save-path", Input).value = "gen.json"
        await pilot.press("w")
        await settle(app, pilot)
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)  # no tags: every tag would be removed
        await pilot.press("y")
        await settle(app, pilot)
        (created,) = app.store.list()
        assert created.spec.manifest_generator is not None
    generator = load_job_spec(workdir / "gen.json").manifest_generator.s3_job_manifest_generator
    assert generator.source_bucket == f"arn:aws:s3:::{bucket}"
    assert generator.filter.key_name_constraint.match_any_suffix == [".gz"]


async def until(pilot, predicate, timeout: float = 60.0) -> None:
    """Let the app run until `predicate()` holds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting for the job"
        await pilot.pause(0.2)


@pytest.mark.usefixtures("server_env")
async def test_create_and_run_tags_the_objects(app, workdir, s3, bucket):
    keys = ["a.txt", "b c.txt", "d.txt"]
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    (workdir / "run.csv").write_text("".join(f"{bucket},{key.replace(' ', '+')}\n" for key in keys))
    async with app.run_test(size=SIZE) as pilot:
        await to_operation_step(app, pilot, "run.csv")
        await add_tag(pilot, "done", "yes")
        await pilot.press("ctrl+n")
        await pilot.pause()
        app.screen.query_one("#opt-workers", Input).value = "3"
        await pilot.press("ctrl+n")
        await pilot.pause()
        await pilot.press("r")
        await settle(app, pilot)
        [record] = app.store.list()
        assert app.launcher.processes[record.id].args[-2:] == ["--workers", "3"]
        await until(pilot, lambda: app.store.get(record.id).status == JobStatus.COMPLETE)
    assert app.store.get(record.id).succeeded == 3
    assert s3.get_object_tagging(Bucket=bucket, Key="b c.txt")["TagSet"] == [{"Key": "done", "Value": "yes"}]


async def test_palette_and_help_list_the_wizard_commands(app):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await pilot.pause()
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert {"wizard: next step", "wizard: previous step", "manifest: type a path or URI"} <= set(titles)


async def test_the_job_file_shown_in_review_is_the_one_stored(app):
    async with app.run_test(size=SIZE) as pilot:
        await to_operation_step(app, pilot)
        await add_tag(pilot, "team", "photo")
        await pilot.press("ctrl+n", "ctrl+n")
        await pilot.pause()
        shown = json.loads(text_of(app, "#review-json-text"))
        await pilot.press("c")
        await settle(app, pilot)
    assert app.store.list()[0].spec.to_json_dict() == shown


def test_an_empty_tag_set_is_called_out_as_removing_every_tag():
    from s3batch_tui.tui.screens.wizard.operations import destructive_warning

    assert destructive_warning("S3PutObjectTagging", {"TagSet": []}, 40) == "No tags given: this removes every tag from 40 objects."
    assert destructive_warning("S3PutObjectTagging", {"TagSet": [("team", "a")]}, 40) is None
