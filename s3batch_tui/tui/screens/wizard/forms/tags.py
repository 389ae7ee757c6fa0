"""A tag set editor: rows of key and value, add and remove, at most 10 tags (S3's limit)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input

MAX_TAGS = 10


class TagRow(Horizontal):
    """One tag: key, value and a remove button."""

    def __init__(self, key: str = "", value: str = "") -> None:
        super().__init__(classes="tag-row")
        self.key, self.value = key, value

    def compose(self) -> ComposeResult:
        yield Input(self.key, placeholder="key (1–128 characters)", classes="tag-key", compact=True)
        yield Input(self.value, placeholder="value (up to 256 characters)", classes="tag-value", compact=True)
        yield Button("✕", classes="tag-remove", tooltip="Remove this tag", compact=True)

    @property
    def tag(self) -> tuple[str, str]:
        """(key, value) as typed."""
        return self.query_one(".tag-key", Input).value, self.query_one(".tag-value", Input).value


class TagSetEditor(Vertical):
    """Edits a list of (key, value); posts `Changed` with the whole list on every edit."""

    class Changed(Message):
        """The tags changed."""

        def __init__(self, editor: TagSetEditor, tags: list[tuple[str, str]]) -> None:
            super().__init__()
            self.editor = editor
            self.tags = tags

        @property
        def control(self) -> TagSetEditor:
            """The editor whose tags changed."""
            return self.editor

    def __init__(self, tags: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(**kwargs)
        self.initial = list(tags) or [("", "")]

    def compose(self) -> ComposeResult:
        for key, value in self.initial:
            yield TagRow(key, value)
        yield Button("+ Add tag", id="tag-add", classes="tag-add", compact=True)

    @property
    def tags(self) -> list[tuple[str, str]]:
        """Every row's (key, value), blank rows included."""
        return [row.tag for row in self.query(TagRow)]

    def _changed(self) -> None:
        self.query_one("#tag-add", Button).disabled = len(self.query(TagRow)) >= MAX_TAGS
        self.post_message(self.Changed(self, self.tags))

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        self._changed()

    @on(Button.Pressed, "#tag-add")
    async def add_tag(self, event: Button.Pressed | None = None) -> None:
        """Add an empty row and focus its key."""
        if event is not None:
            event.stop()
        row = TagRow()
        await self.mount(row, before=self.query_one("#tag-add"))
        row.query_one(".tag-key", Input).focus()
        self._changed()

    @on(Button.Pressed, ".tag-remove")
    async def _remove(self, event: Button.Pressed) -> None:
        event.stop()
        row = event.button.parent
        if isinstance(row, TagRow):
            await row.remove()
            self._changed()
