"""The wizard's "Dry run" button: the prediction (or why it cannot run) in a modal; nothing stored."""

from __future__ import annotations

from textual.widgets import Static

from s3batch_tui.tui.screens.dry_run import DryRunScreen
from s3batch_tui.tui.screens.wizard.review_step import ReviewStep
from tests.tui.snapshot_app import SIZE
from tests.tui.test_wizard import add_tag, app, settle, to_operation_step, workdir  # noqa: F401 - fixtures


async def open_dry_run(app, pilot) -> str:
    await to_operation_step(app, pilot)
    await add_tag(pilot, "team", "photo")
    await pilot.press("ctrl+n", "ctrl+n")
    await pilot.pause()
    assert isinstance(app.screen, ReviewStep)
    await pilot.press("d")
    await settle(app, pilot)
    await pilot.pause()
    assert isinstance(app.screen, DryRunScreen)
    return str(app.screen.query_one("#dry-run-text", Static).render())


async def test_the_dry_run_modal_shows_missing_objects_and_stores_nothing(app, server_env):
    s3 = server_env.client()
    try:
        s3.create_bucket(Bucket="photos-bucket")
    except s3.exceptions.ClientError:
        pass  # another test of this session made it
    for key in ("2025/beach day.jpg", "2025/city night.jpg"):
        s3.put_object(Bucket="photos-bucket", Key=key, Body=b"jpg")
    s3.delete_object(Bucket="photos-bucket", Key="2025/snow.jpg")
    async with app.run_test(size=SIZE) as pilot:
        text = await open_dry_run(app, pilot)
        assert text.startswith("Dry run of S3PutObjectTagging: nothing was changed and no job was stored.")
        assert "Tasks: 3 in the manifest; HEAD of every object." in text
        assert "- 1 objects: missing (object not found): these tasks fail with 404" in text
        assert "e.g. s3://photos-bucket/2025/snow.jpg" in text
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ReviewStep)
    assert app.store.list() == []
    assert s3.get_object_tagging(Bucket="photos-bucket", Key="2025/beach day.jpg")["TagSet"] == []


async def test_the_dry_run_modal_says_why_the_job_cannot_run(app, monkeypatch):
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no instance-role lookup off loopback
    async with app.run_test(size=SIZE) as pilot:  # the test environment has no AWS credentials
        text = await open_dry_run(app, pilot)
        assert text.startswith("credentials: no AWS credentials found")
        assert app.screen.query_one("#dry-run-dialog").has_class("-failed")
    assert app.store.list() == []
