"""A yes/no question before anything destructive; it names what will happen and to how much."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static


class ConfirmScreen(ModalScreen[bool]):
    """Dismisses with True when the user confirms, False otherwise."""

    BINDINGS = [
        Binding("escape,n", "dismiss(False)", "Back", id="confirm.no", tooltip="Do nothing"),
        Binding("y", "dismiss(True)", "Yes", id="confirm.yes", tooltip="Go ahead"),
    ]

    def __init__(self, title: str, question: str, yes_label: str = "Yes") -> None:
        super().__init__()
        self.title_text = title
        self.question = question
        self.yes_label = yes_label

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog"):
            yield Label(self.title_text, id="confirm-title")
            yield Static(self.question, id="confirm-question")
            with Horizontal(id="confirm-buttons"):
                yield Button(f"{self.yes_label} (y)", variant="error", id="confirm-yes")
                yield Button("Back (esc)", id="confirm-no")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm-yes")
