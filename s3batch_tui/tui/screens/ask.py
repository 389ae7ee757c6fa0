"""A one-line question in a dialog: a path, a URI, a name."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static


class AskScreen(ModalScreen[str | None]):
    """Dismisses with the text entered (stripped), or None when cancelled or left empty.

    Args:
        title: the dialog's title.
        prompt: what to enter, in a sentence or two.
        initial: the text the input starts with.
        placeholder: shown while the input is empty.
    """

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="ask.cancel", tooltip="Close without an answer")]

    def __init__(self, title: str, prompt: str, initial: str = "", placeholder: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.prompt = prompt
        self.initial = initial
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(id="ask-dialog"):
            yield Label(self.title_text, id="ask-title")
            yield Static(self.prompt, id="ask-prompt")
            yield Input(self.initial, placeholder=self.placeholder, id="ask-input")
            yield Static("[b]enter[/b] OK · [b]esc[/b] cancel", id="ask-hint")

    def on_mount(self) -> None:
        self.query_one("#ask-input", Input).focus()

    @on(Input.Submitted, "#ask-input")
    def _answered(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)
