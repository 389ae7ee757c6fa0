"""Build a manifest generator instead of picking a file: a bucket and a filter."""

from __future__ import annotations

from dataclasses import fields

from textual import on
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Input, Label, Static

from s3batch_tui.tui.screens.wizard.state import GeneratorChoice

GENERATOR_NOTE = (
    "The bucket is listed when the job is prepared, and the job runs over what matched then. "
    "The count below is what matches now."
)
_LABELS = {
    "bucket": ("Source bucket", "s3://bucket or bucket name"),
    "prefixes": ("Key prefixes", "any of: logs/, 2024/ (comma-separated)"),
    "suffixes": ("Key suffixes", "any of: .csv, .json"),
    "substrings": ("Key contains", "any of: tmp, backup"),
    "created_after": ("Created after", "2024-01-01T00:00:00Z"),
    "created_before": ("Created before", "2025-01-01T00:00:00Z"),
    "larger_than": ("Larger than (bytes)", "strictly greater"),
    "smaller_than": ("Smaller than (bytes)", "strictly less"),
    "storage_classes": ("Storage classes", "any of: STANDARD, GLACIER"),
}


class GeneratorForm(VerticalScroll, can_focus=False):
    """Edits a `GeneratorChoice` in place; "Use this generator" posts `Used`."""

    class Used(Message):
        """The user chose the generator (instead of a manifest file) for the job."""

    def __init__(self, choice: GeneratorChoice, **kwargs) -> None:
        super().__init__(**kwargs)
        self.choice = choice

    def compose(self) -> ComposeResult:
        yield Static(GENERATOR_NOTE, id="generator-note")
        with Grid(id="generator-grid"):
            for field in fields(GeneratorChoice):
                label, hint = _LABELS[field.name]
                yield Label(label)
                yield Input(getattr(self.choice, field.name), placeholder=hint, id=f"gen-{field.name}", compact=True)
        with Horizontal(id="generator-actions"):
            yield Button("Use this generator", id="generator-use", variant="primary", compact=True)

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        if event.input.id and event.input.id.startswith("gen-"):
            setattr(self.choice, event.input.id.removeprefix("gen-"), event.value)

    @on(Button.Pressed, "#generator-use")
    def _use(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.Used())


def describe_generator(choice: GeneratorChoice) -> str:
    """`Key prefixes: logs/ · Larger than (bytes): 1024`, or `none (every object)`."""
    parts = [f"{_LABELS[f.name][0]}: {getattr(choice, f.name).strip()}" for f in fields(GeneratorChoice)
             if f.name != "bucket" and getattr(choice, f.name).strip()]  # fmt: skip
    return " · ".join(parts) or "none (every object)"
