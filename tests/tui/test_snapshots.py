"""A snapshot of every screen at 140x45 and 80x24, in a dark and a light theme.

Deterministic: fixed clock, ids, time zone and paths; no cursor blink; toasts cleared.
"""

from __future__ import annotations

import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.widgets import Input

from tests.tui import test_inspector, test_report_screen
from tests.tui.snapshot_app import make_app
from tests.tui.test_wizard import MANIFEST_ROWS, choose, settle, until

SIZES = {"140x45": (140, 45), "80x24": (80, 24)}
THEMES = ("textual-dark", "textual-light")
ROOT = Path("/tmp/s3batch-tui-snapshots")


async def quiet(pilot) -> None:
    """No blinking cursors, no toasts: the same picture every time."""
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    pilot.app.clear_notifications()
    await pilot.pause(0.2)


async def jobs(pilot) -> None:
    await pilot.pause(0.3)


async def keys(pilot, *pressed: str) -> None:
    await pilot.pause(0.3)
    await pilot.press(*pressed)
    await pilot.pause(0.2)


async def inspector(pilot) -> None:
    await test_inspector.open_inspector(pilot, test_inspector.FAILED)


async def report(pilot, *pressed: str) -> None:
    await test_report_screen.open_screen(pilot)
    await pilot.press(*pressed)
    await test_report_screen.settle(pilot)


async def enter_text(pilot, text: str) -> None:
    """Fill the focused input as typing would leave it (a Pilot key press costs ~0.1 s; the picture is the same)."""
    field = pilot.app.focused
    assert isinstance(field, Input), field
    field.value = text
    field.cursor_position = len(text)
    await pilot.pause()


async def wizard(pilot, *steps: Callable[[object], Awaitable[None]]) -> None:
    app = pilot.app
    await pilot.press("n")
    await enter_text(pilot, "manifests/photos.csv")
    await pilot.press("enter")
    await until(pilot, lambda: app.screen.state.scan_done, timeout=20)
    await settle(app, pilot)
    for step in steps:
        await step(pilot)
        await settle(app, pilot)


async def next_step(pilot) -> None:
    await pilot.press("ctrl+n")


async def tagging(pilot) -> None:
    await choose(pilot.app, pilot, "S3PutObjectTagging")
    await pilot.press("tab")
    await enter_text(pilot, "team")
    await pilot.press("tab")
    await enter_text(pilot, "photo")


async def bad_copy(pilot) -> None:
    await choose(pilot.app, pilot, "S3PutObjectCopy")
    await pilot.press("tab")
    await enter_text(pilot, "s3://Bad_Bucket!")
    await pilot.press("tab")
    await enter_text(pilot, "copies")


def seeded(home: Path, **options):
    return make_app(home, **options)


def inspector_app(home: Path):
    app = make_app(home, seeded=False)
    test_inspector.seed(app.store)
    return app


SCREENS = {
    "empty": (lambda home: make_app(home, seeded=False), jobs),
    "jobs": (seeded, jobs),
    "help": (seeded, lambda pilot: keys(pilot, "question_mark")),
    "cancel": (seeded, lambda pilot: keys(pilot, "c")),
    "quit": (seeded, lambda pilot: keys(pilot, "q")),
    "resume": (lambda home: seeded(home, offer_resume=True), jobs),
    "inspector": (inspector_app, inspector),
    "report": (lambda home: make_app(home, seeded=False), report),
    "report-row": (lambda home: make_app(home, seeded=False), lambda pilot: report(pilot, "f", "enter")),
    "wizard-manifest": (lambda home: make_app(home, seeded=False), wizard),
    "wizard-operation": (lambda home: make_app(home, seeded=False), lambda pilot: wizard(pilot, next_step, tagging)),
    "wizard-errors": (lambda home: make_app(home, seeded=False), lambda pilot: wizard(pilot, next_step, bad_copy)),
    "wizard-options": (lambda home: make_app(home, seeded=False),
                       lambda pilot: wizard(pilot, next_step, tagging, next_step)),
    "wizard-review": (lambda home: make_app(home, seeded=False),
                      lambda pilot: wizard(pilot, next_step, tagging, next_step, next_step)),
}  # fmt: skip


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("screen", list(SCREENS))
def test_snapshot(snap_compare, monkeypatch, screen, size, theme):
    place = ROOT / f"{screen}-{size}-{theme}"  # paths show on screen: the same one every run
    shutil.rmtree(place, ignore_errors=True)
    (place / "manifests").mkdir(parents=True)
    (place / "manifests" / "photos.csv").write_text(MANIFEST_ROWS)
    test_report_screen.write_real_report(place)
    monkeypatch.chdir(place)
    build, steps = SCREENS[screen]
    app = build(place / "home")

    async def run_before(pilot) -> None:
        pilot.app.theme = theme
        await steps(pilot)
        await quiet(pilot)

    assert snap_compare(app, terminal_size=SIZES[size], run_before=run_before)


async def on_control_backend(pilot, *pressed: str) -> None:
    """The app switched to an S3 Control backend answering fixed jobs, every job described."""
    from s3batch_tui.tui.messages import BackendConnected
    from tests.tui.control_snapshot import JOBS, FixedControlBackend

    app = pilot.app
    app.post_message(BackendConnected(FixedControlBackend()))
    await until(pilot, lambda: len(app.jobs) == len(JOBS) and all(j.details for j in app.jobs.values()), timeout=20)
    await pilot.press(*pressed)
    if pressed:
        await until(pilot, lambda: getattr(app.screen, "tags", None) is not None, timeout=20)
    await pilot.pause(0.5)


CONTROL_SCREENS = {"control-jobs": (), "control-inspector": ("enter",)}
"""The TUI on an S3 Control backend: dark theme only (the light one shares every widget with the local screens)."""


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("screen", list(CONTROL_SCREENS))
def test_control_snapshot(snap_compare, tmp_path, screen, size):
    app = make_app(tmp_path / "home", seeded=False, refresh_rate=50.0)

    async def run_before(pilot) -> None:
        pilot.app.theme = "textual-dark"
        await on_control_backend(pilot, *CONTROL_SCREENS[screen])
        await quiet(pilot)

    assert snap_compare(app, terminal_size=SIZES[size], run_before=run_before)
