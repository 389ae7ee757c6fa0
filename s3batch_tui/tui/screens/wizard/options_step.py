"""Step 3: description, priority, confirmation, report, workers, rate limit, failure threshold."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Grid, VerticalScroll
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, Select, Static

from s3batch_tui.tui.commands import bindings
from s3batch_tui.tui.screens.wizard.base import BACK, NEXT, WizardStep, flag
from s3batch_tui.tui.widgets.tickbox import TickBox

COMMANDS = (NEXT, BACK)

# (state attribute, label, kind, placeholder or checkbox text, help)
_ROWS = (
    ("description", "Description", "text", "what this job is for", "At most 256 characters"),
    ("priority", "Priority", "text", "10", "Higher runs first (0 to 2147483647)"),
    ("confirmation_required", "Confirmation", "checkbox", "Wait for confirmation",
     "The job stops in Suspended until confirmed (y)"),
    ("report_enabled", "Completion report", "checkbox", "Write a report", "AWS layout: manifest.json + CSV results"),
    ("report_bucket", "Report destination", "text", "a dir, s3://bucket or arn:aws:s3:::bucket", "Where reports go"),
    ("report_prefix", "Report prefix", "text", "reports", "The report goes to <prefix>/job-<id>/"),
    ("report_scope", "Report scope", "select", "", "Which tasks the report lists"),
    ("workers", "Workers", "text", "16", "Threads of this run (not part of the job file)"),
    ("rate_limit", "Rate limit (ops/s)", "text", "no limit", "LocalOptions.MaxOperationsPerSecond"),
    ("failure_max_percent", "Fail above % failed", "text", "50", "Fail the job when more than this % failed…"),
    ("failure_min_tasks", "…after tasks ran", "text", "1000", "…once this many tasks ran (AWS: 50% of 1,000)"),
)  # fmt: skip
_SCOPES = [("Every task", "AllTasks"), ("Failed tasks only", "FailedTasksOnly")]
_REPORT_FIELDS = ("report_bucket", "report_prefix", "report_scope")


class OptionsStep(WizardStep):
    """Step 3 of the wizard: how the job runs and reports."""

    STEP = "Options"
    COMMANDS_LIST = COMMANDS
    BINDINGS = bindings(COMMANDS)
    INLINE = True

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="options-form", can_focus=False), Grid(id="options-grid"):
            for name, label, kind, text, help_text in _ROWS:
                yield Label(label, classes="form-label")
                value = getattr(self.state, name)
                if kind == "checkbox":
                    yield TickBox(text, value, id=f"opt-{name}", compact=True)
                elif kind == "select":
                    yield Select(_SCOPES, value=value, allow_blank=False, id=f"opt-{name}", compact=True)
                else:
                    yield Input(value, placeholder=text, id=f"opt-{name}", compact=True)
                yield Static(help_text, classes="form-help", id=f"help-{name}")

    def on_mount(self) -> None:
        self._report_inputs_enabled()
        self.query_one("#opt-description", Input).focus()
        super().on_mount()

    def next_step(self):
        from s3batch_tui.tui.screens.wizard.review_step import ReviewStep

        return ReviewStep(self.state)

    def _store(self, widget: Widget, value) -> None:
        name = (widget.id or "").removeprefix("opt-")
        if hasattr(self.state, name):
            setattr(self.state, name, value)
            self.show_problems()

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        self._store(event.input, event.value)

    @on(Checkbox.Changed)
    def _ticked(self, event: Checkbox.Changed) -> None:
        self._store(event.checkbox, event.value)
        self._report_inputs_enabled()

    @on(Select.Changed)
    def _selected(self, event: Select.Changed) -> None:
        if event.value is not Select.NULL:
            self._store(event.select, event.value)

    def _report_inputs_enabled(self) -> None:
        for name in _REPORT_FIELDS:
            self.query_one(f"#opt-{name}").disabled = not self.state.report_enabled

    def mark_invalid(self, problems: dict[str, str]) -> None:
        """Flag the invalid inputs; each one's help turns into its message."""
        flag({row[0]: self.query_one(f"#opt-{row[0]}") for row in _ROWS}, problems)
        for name, *_, help_text in _ROWS:
            helper = self.query_one(f"#help-{name}", Static)
            helper.set_class(name in problems, "-error")
            helper.update(Content.from_markup("✗ $m", m=problems[name]) if name in problems else help_text)
