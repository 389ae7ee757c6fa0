"""Quitting while jobs run (pause them, or keep them running headless), and resuming them at start."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from s3batch_tui.core.formatting import plural
from s3batch_tui.core.store import JobRecord


class QuitScreen(ModalScreen[str]):
    """Dismisses with "pause", "keep" or "back".

    `keep_possible` is False in the demo: its S3 server stops with the app, so its jobs
    cannot keep running and the dialog says so instead of offering it.
    """

    BINDINGS = [
        Binding("escape", "dismiss('back')", "Back", id="quit.back", tooltip="Stay in the app"),
        Binding("p", "dismiss('pause')", "Pause", id="quit.pause", tooltip="Pause running jobs and quit"),
        Binding("k", "keep", "Keep", id="quit.keep", tooltip="Quit, jobs keep running headless"),
    ]

    def __init__(self, running: int, keep_possible: bool = True) -> None:
        super().__init__()
        self.running = running
        self.keep_possible = keep_possible

    @property
    def question(self) -> str:
        """What the dialog asks, in words that match what each button does."""
        one = self.running == 1
        jobs, them, they = ("1 job is", "it", "it") if one else (f"{self.running} jobs are", "them", "they")
        if not self.keep_possible:
            return (f"{jobs} running. The demo's S3 server stops when you quit, so {they} "
                    f"{'pauses' if one else 'pause'} now. The demo starts afresh each time: its jobs and data "
                    "are not kept.")  # fmt: skip
        return (f"{jobs} running. Pause {them} where {they} {'stands' if one else 'stand'} (next time, "
                f"s3batch-tui offers to resume {them}), or keep {them} running in the background without the UI?")

    def compose(self) -> ComposeResult:
        with Vertical(id="quit-dialog"):
            yield Label("Quit s3batch-tui", id="quit-title")
            yield Static(self.question, id="quit-question")
            with Horizontal(id="quit-buttons"):
                yield Button("Pause and quit (p)", variant="warning", id="pause")
                if self.keep_possible:
                    yield Button("Keep running (k)", variant="primary", id="keep")
                yield Button("Back (esc)", id="back")

    def action_keep(self) -> None:
        if self.keep_possible:
            self.dismiss("keep")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id)


class ResumeScreen(ModalScreen[list[str]]):
    """At start: jobs paused by quitting or by a dead runner; dismisses with the ids to resume."""

    BINDINGS = [
        Binding("escape,n", "dismiss([])", "Not now", id="resume.no", tooltip="Leave them paused"),
        Binding("y", "resume", "Resume", id="resume.yes", tooltip="Resume them all"),
    ]

    def __init__(self, jobs: list[JobRecord]) -> None:
        super().__init__()
        self.jobs = jobs

    def compose(self) -> ComposeResult:
        names = "\n".join(f"  {j.id[:8]}  {j.description or j.operation}" for j in self.jobs[:5])
        more = f"\n  and {len(self.jobs) - 5} more" if len(self.jobs) > 5 else ""
        with Vertical(id="quit-dialog"):
            yield Label("Resume paused jobs?", id="quit-title")
            yield Static(
                f"{plural(len(self.jobs), 'job')} stopped when s3batch-tui or its runner exited:\n{names}{more}\n\n"
                "Resume them where they stopped? (Each one also resumes with p.)",
                id="quit-question",
            )
            with Horizontal(id="quit-buttons"):
                yield Button("Resume (y)", variant="primary", id="resume")
                yield Button("Not now (esc)", id="not-now")

    def on_mount(self) -> None:
        self.query_one("#resume", Button).focus()

    def action_resume(self) -> None:
        self.dismiss([job.id for job in self.jobs])

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "resume":
            self.action_resume()
        else:
            self.dismiss([])
