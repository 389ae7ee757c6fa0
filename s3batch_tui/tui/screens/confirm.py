"""A yes/no question before anything destructive; it names what will happen and to how much."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static


class ConfirmScreen(ModalScreen[bool]):
    """Dismisses with True when the user confirms, False otherwise."""

    BINDINGS = [
        Binding("escape,n", "dismiss(False)", "Back", id="confirm.no", tooltip="Do nothing"),
        Binding("y", "dismiss(True)", "Yes", id="confirm.yes", tooltip="Go ahead"),
    ]

    def __init__(self, title: str, question: str | Callable[[], str], yes_label: str = "Yes") -> None:
        """`question` may be a function: it is asked again on every store poll (counts that move)."""
        super().__init__()
        self.title_text = title
        self._question = question
        self.yes_label = yes_label

    @property
    def question(self) -> str:
        """The question as it stands now."""
        return self._question() if callable(self._question) else self._question

    def refresh_jobs(self) -> None:
        """Called on every store poll: redraw a live question."""
        if callable(self._question) and self.is_mounted:
            self.query_one("#confirm-question", Static).update(Content(self.question))

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog"):
            yield Label(self.title_text, id="confirm-title")
            yield Static(Content(self.question), id="confirm-question")
            with Horizontal(id="confirm-buttons"):
                yield Button(f"{self.yes_label} (y)", variant="error", id="confirm-yes")
                yield Button("Back (esc)", id="confirm-no")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm-yes")
