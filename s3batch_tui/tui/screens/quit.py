"""Quitting while jobs run: pause them (they resume next time) or keep them running headless."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static


class QuitScreen(ModalScreen[str]):
    """Dismisses with "pause", "keep" or "back"."""

    BINDINGS = [
        Binding("escape", "dismiss('back')", "Back", id="quit.back", tooltip="Stay in the app"),
        Binding("p", "dismiss('pause')", "Pause", id="quit.pause", tooltip="Pause running jobs and quit"),
        Binding("k", "dismiss('keep')", "Keep", id="quit.keep", tooltip="Quit, jobs keep running headless"),
    ]

    def __init__(self, running: int) -> None:
        super().__init__()
        self.running = running

    def compose(self) -> ComposeResult:
        jobs = "1 job is" if self.running == 1 else f"{self.running} jobs are"
        with Vertical(id="quit-dialog"):
            yield Label("Quit s3batch-tui", id="quit-title")
            yield Static(
                f"{jobs} running. Pause them where they stand (they resume next time you open "
                "s3batch-tui), or keep them running in the background without the UI?",
                id="quit-question",
            )
            with Horizontal(id="quit-buttons"):
                yield Button("Pause and quit (p)", variant="warning", id="pause")
                yield Button("Keep running (k)", variant="primary", id="keep")
                yield Button("Back (esc)", id="back")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id)
