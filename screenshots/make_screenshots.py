"""Write an SVG of every screen into screenshots/, from the demo's sample data.

Starts the embedded demo server, seeds it, finishes the sample jobs, then drives the
app from the keyboard (Textual's Pilot) and saves each screen. Run with `make screenshots`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from textual.worker import WorkerCancelled, WorkerFailed  # noqa: E402

from s3batch_tui.cli.context import Context  # noqa: E402
from s3batch_tui.core.spec import load_job_spec  # noqa: E402
from s3batch_tui.demo import _finish_sample_jobs  # noqa: E402
from s3batch_tui.demo_seed import seed  # noqa: E402
from s3batch_tui.servers import start_moto  # noqa: E402
from s3batch_tui.tui.app import build_app  # noqa: E402

OUT = Path(__file__).resolve().parent
SIZE = (140, 45)
SMALL = (80, 24)


async def settle(app, pilot, seconds: float = 0.6) -> None:
    """Let workers and the store poll catch up (screens load in background threads)."""
    for _ in range(4):
        busy = [w for w in app.workers if w.group != "store-poll" and not w.is_finished]
        if busy:  # some (the directory tree's loader) live as long as their widget: don't wait forever
            try:
                await asyncio.wait_for(app.workers.wait_for_complete(busy), 3)
            except (TimeoutError, WorkerCancelled, WorkerFailed):
                pass
        await pilot.pause(seconds / 4)


async def shoot(ctx: Context, workdir: Path) -> list[str]:
    app = build_app(ctx.settings, ctx.aws, check_credentials=False, offer_resume=False)
    saved: list[str] = []

    def save(name: str) -> None:
        app.save_screenshot(filename=f"{name}.svg", path=str(OUT))
        saved.append(name)

    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot, 1.0)
        app.clear_notifications()
        await pilot.pause(0.3)
        save("01-jobs")
        await pilot.press("question_mark")
        await settle(app, pilot)
        save("02-help")
        await pilot.press("escape")
        failed = next(r for r in app.jobs.values() if r.failed)
        app.screen.table.move_cursor(row=app.screen.table.get_row_index(failed.id))
        await pilot.press("enter")
        await settle(app, pilot, 1.2)
        save("03-inspector")
        await pilot.press("o")
        await settle(app, pilot, 1.5)
        save("04-report")
        await pilot.press("f")  # all → failed
        await settle(app, pilot, 1.0)
        save("05-report-failed")
        await pilot.press("escape", "escape", "escape", "escape")
        await settle(app, pilot)
        await pilot.press("c")
        await settle(app, pilot)
        save("06-cancel-dialog")
        await pilot.press("escape")
        os.chdir(workdir)
        await pilot.press("n")
        await settle(app, pilot)
        await pilot.press(*"manifests/photos-some-missing.csv", "enter")
        await settle(app, pilot, 1.5)
        save("07-wizard-manifest")
        await pilot.press("ctrl+n")
        await settle(app, pilot)
        listing = app.screen.query_one("#operation-list")
        listing.highlighted = listing.get_option_index("S3PutObjectTagging")  # the wizard starts with none
        await settle(app, pilot)
        await pilot.press("tab", *"reviewed", "tab", *"yes")
        await settle(app, pilot)
        save("08-wizard-operation")
        await pilot.press("ctrl+n")
        await settle(app, pilot)
        save("09-wizard-options")
        await pilot.press("ctrl+n")
        await settle(app, pilot, 1.0)
        save("10-wizard-review")
    saved += await shoot_small_and_light(ctx)
    return saved


async def shoot_small_and_light(ctx: Context) -> list[str]:
    """The jobs table and inspector on an 80x24 terminal, and the jobs table in a light theme."""
    saved = []
    for name, size, theme in (("11-jobs-80x24", SMALL, "textual-dark"), ("13-jobs-light", SIZE, "textual-light")):
        app = build_app(ctx.settings, ctx.aws, check_credentials=False, offer_resume=False)
        async with app.run_test(size=size) as pilot:
            app.theme = theme
            await settle(app, pilot, 1.0)
            app.clear_notifications()
            await pilot.pause(0.3)
            app.save_screenshot(filename=f"{name}.svg", path=str(OUT))
            saved.append(name)
            if size == SMALL:
                failed = next(r for r in app.jobs.values() if r.failed)
                app.screen.table.select(failed.id)
                await pilot.press("enter")
                await settle(app, pilot, 1.2)
                app.save_screenshot(filename="12-inspector-80x24.svg", path=str(OUT))
                saved.append("12-inspector-80x24")
    return saved


async def shoot_control(settings_dir: Path) -> list[str]:
    """The jobs table and inspector on an S3 Control backend, from fixed ListJobs/DescribeJob answers.

    The answers are the snapshot tests' (tests/tui/control_snapshot.py): AWS-sized jobs
    that no local server would run for a picture.
    """
    from s3batch_tui.settings import Settings
    from s3batch_tui.tui.messages import BackendConnected
    from tests.tui.control_snapshot import JOBS, FixedControlBackend

    app = build_app(Settings.load(settings_dir), check_credentials=False, offer_resume=False, refresh_rate=50.0)
    async with app.run_test(size=SIZE) as pilot:
        app.post_message(BackendConnected(FixedControlBackend()))
        while not (len(app.jobs) == len(JOBS) and all(j.details for j in app.jobs.values())):
            await pilot.pause(0.1)
        await settle(app, pilot)
        app.clear_notifications()
        await pilot.pause(0.3)
        app.save_screenshot(filename="14-aws-jobs.svg", path=str(OUT))
        await pilot.press("enter")
        while getattr(app.screen, "tags", None) is None:
            await pilot.pause(0.1)
        await settle(app, pilot)
        app.save_screenshot(filename="15-aws-inspector.svg", path=str(OUT))
    return ["14-aws-jobs", "15-aws-inspector"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=400)
    parser.add_argument("--only-aws", action="store_true", help="only the S3 Control backend's screens")
    args = parser.parse_args()
    os.environ["TZ"] = "UTC"
    if args.only_aws:
        saved = asyncio.run(shoot_control(Path(tempfile.mkdtemp(prefix="s3batch-screens-"))))
        print("\n".join(f"screenshots/{name}.svg" for name in saved))
        return
    workdir = Path(tempfile.mkdtemp(prefix="s3batch-screens-"))
    server = start_moto()
    try:
        data = seed(server.client(), workdir, args.objects)
        os.environ.update(server.env())
        namespace = argparse.Namespace(endpoint_url=server.endpoint_url, profile=None, region=server.region,
                                       data_dir=str(workdir / "store"), workers=8, yes_delete=False)  # fmt: skip
        ctx = Context(namespace)
        _finish_sample_jobs(ctx, data)
        for name in ("tag-photos", "restore-archive"):
            ctx.store.create_job(str(uuid.uuid4()), load_job_spec(data.job_files[name]))
        saved = asyncio.run(shoot(ctx, workdir))
        saved += asyncio.run(shoot_control(workdir / "aws-store"))
    finally:
        server.stop()
    print("\n".join(f"screenshots/{name}.svg" for name in saved))


if __name__ == "__main__":
    main()
