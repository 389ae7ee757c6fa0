"""Every key of the screen the user came from, generated from its commands."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from s3batch_tui.tui.commands import Command

GLOBAL_KEYS = (("? / f1", "This help"), ("ctrl+p", "Command palette: every action by name"),
               ("esc", "Back / close"))  # fmt: skip


class HelpScreen(ModalScreen[None]):
    """A table of keys; any of esc, q, ? closes it."""

    BINDINGS = [Binding("escape,q,question_mark,f1", "dismiss", "Close", id="help.close", tooltip="Close the help")]

    def __init__(self, screen_title: str, commands: tuple[Command, ...]) -> None:
        super().__init__()
        self.screen_title = screen_title
        self.commands = commands

    def compose(self) -> ComposeResult:
        rows = [(c.key_display, c.help) for c in self.commands]
        rows += [row for row in GLOBAL_KEYS if row[0] not in {key for key, _ in rows}]
        width = max(len(key) for key, _ in rows) + 2
        text = "\n".join(f"[b]{key.ljust(width)}[/b]{help_text}" for key, help_text in rows)
        with VerticalScroll(id="help-dialog"):
            yield Label(f"Keys: {self.screen_title}", id="help-title")
            yield Static(text, id="help-keys")
