"""The wizard's dry run: what the job would do, shown in a modal (nothing changed or stored)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static


class DryRunScreen(ModalScreen[None]):
    """Shows a dry run's lines (from `core.dry_run.dry_run_lines`) or its error; esc closes."""

    BINDINGS = [Binding("escape,q", "dismiss", "Close", id="dry-run.close", tooltip="Back to the review")]

    def __init__(self, lines: list[str], failed: bool = False) -> None:
        super().__init__()
        self.lines = lines
        self.failed = failed

    def compose(self) -> ComposeResult:
        with Vertical(id="dry-run-dialog", classes="-failed" if self.failed else ""):
            yield Label("Dry run: the job cannot run here" if self.failed else "Dry run", id="dry-run-title")
            with VerticalScroll(id="dry-run-body"):
                yield Static("\n".join(self.lines), id="dry-run-text", markup=False)
            yield Button("Close (esc)", id="dry-run-close")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss()
