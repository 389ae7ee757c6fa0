"""The form of one operation, built from its `FormField`s; edits the values dict in place."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, Select, Static

from s3batch_tui.tui.screens.wizard.forms.tags import TagSetEditor
from s3batch_tui.tui.screens.wizard.operations import FormField, OperationInfo, field_label
from s3batch_tui.tui.widgets.tickbox import TickBox


def field_id(field: FormField) -> str:
    """The DOM id of a field's container (`Retention.Mode` → `field-Retention-Mode`)."""
    return "field-" + field.key.replace(".", "-")


class OperationForm(VerticalScroll, can_focus=False):
    """Inputs for one operation's parameters; every edit updates `values` and posts `Changed`.

    Args:
        info: the operation.
        values: its form values (the wizard state's dict, edited in place).
        task_count: the manifest's task count, for labels naming it.
    """

    class Changed(Message):
        """A value of the form changed."""

    def __init__(self, info: OperationInfo, values: dict[str, Any], task_count: int | None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.info = info
        self.values = values
        self.task_count = task_count
        self._by_input: dict[str, FormField] = {}

    def compose(self) -> ComposeResult:
        if not self.info.fields:
            yield Static("This operation takes no parameters.", classes="form-help")
        for field in self.info.fields:
            with Horizontal(classes="form-field", id=field_id(field)):
                label = field.side if field.kind == "checkbox" else field.label
                yield Label(label + (" *" if field.required else ""), classes="form-label")
                with Vertical(classes="form-input"):
                    yield self._input(field)
                    if field.help:
                        yield Static(field.help, classes="form-help")
                    yield Static("", classes="form-error")

    def _input(self, field: FormField) -> Widget:
        value = self.values.get(field.key, field.default)
        input_id = "input-" + field_id(field)
        self._by_input[input_id] = field
        if field.kind == "checkbox":
            return TickBox(field_label(field, self.task_count), bool(value), id=input_id, compact=True)
        if field.kind == "select":
            options = [(choice, choice) for choice in field.choices]
            return Select(options, value=value if value in field.choices else Select.NULL, id=input_id, compact=True,
                          allow_blank=not field.required, prompt="(not set: S3's default)")  # fmt: skip
        if field.kind == "tags":
            return TagSetEditor(list(value or []), id=input_id)
        return Input(value or "", placeholder=field.placeholder, id=input_id, compact=True)

    # --- edits ------------------------------------------------------------------------

    def _set(self, widget: Widget, value: Any) -> None:
        field = self._by_input.get(widget.id or "")
        if field is None:
            return
        self.values[field.key] = value
        self.post_message(self.Changed())

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        self._set(event.input, event.value)

    @on(Select.Changed)
    def _selected(self, event: Select.Changed) -> None:
        self._set(event.select, None if event.value is Select.NULL else event.value)

    @on(Checkbox.Changed)
    def _ticked(self, event: Checkbox.Changed) -> None:
        self._set(event.checkbox, event.value)

    @on(TagSetEditor.Changed)
    def _tags(self, event: TagSetEditor.Changed) -> None:
        self._set(event.editor, event.tags)

    # --- showing ----------------------------------------------------------------------

    def mark_invalid(self, problems: dict[str, str]) -> None:
        """Flag the fields named in `problems` and show each one's message under it; clear the others."""
        for field in self.info.fields:
            container = self.query_one(f"#{field_id(field)}")
            container.set_class(field.key in problems, "-invalid")
            error = container.query_one(".form-error", Static)
            error.display = field.key in problems
            error.update(Content.from_markup("✗ $m", m=problems.get(field.key, "")))

    def set_task_count(self, task_count: int | None) -> None:
        """Relabel fields that name the task count (the delete confirmation)."""
        self.task_count = task_count
        for input_id, field in self._by_input.items():
            if field.kind == "checkbox" and "{objects}" in field.label:
                self.query_one(f"#{input_id}", Checkbox).label = field_label(field, task_count)
