"""Step 2: the operation, and a form for its parameters with the models' messages inline."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import ContentSwitcher, OptionList, Static
from textual.widgets.option_list import Option

from s3batch_tui.tui.commands import Command, bindings
from s3batch_tui.tui.screens.wizard.base import BACK, NEXT, WizardStep
from s3batch_tui.tui.screens.wizard.forms.operation_form import OperationForm
from s3batch_tui.tui.screens.wizard.operations import BY_NAME, OPERATIONS

COMMANDS = (
    NEXT,
    BACK,
    Command("operation.choose", "ctrl+o", "focus_list", "Operations", "operation: choose",
            "Move to the list of operations"),
)  # fmt: skip


class OperationStep(WizardStep):
    """Step 2 of the wizard: the list of operations on the left, the chosen one's form on the right."""

    STEP = "Operation"
    COMMANDS_LIST = COMMANDS
    BINDINGS = bindings(COMMANDS)
    INLINE = True
    _warning_shown: str | None = ""

    def compose_body(self) -> ComposeResult:
        options = [
            Option(Content.from_markup("[dim]$t[/]", t=info.title) if info.aws_only else info.title,
                   id=info.name, disabled=info.aws_only)
            for info in OPERATIONS
        ]  # fmt: skip
        with Horizontal(id="operation-main"):
            yield OptionList(*options, id="operation-list")
            with Vertical(id="operation-pane"):
                yield Static("", id="operation-summary")
                yield Static("", id="operation-warning")
                initial = f"form-{self.state.operation}" if self.state.operation else None
                with ContentSwitcher(initial=initial, id="operation-forms"):
                    if self.state.operation:  # only the shown form: every hidden one would be styled too
                        yield self._new_form(self.state.operation)

    def on_mount(self) -> None:
        listing = self.query_one("#operation-list", OptionList)
        listing.highlighted = listing.get_option_index(self.state.operation) if self.state.operation else None
        listing.focus()
        self._show_operation()
        super().on_mount()

    def next_step(self):
        from s3batch_tui.tui.screens.wizard.options_step import OptionsStep

        return OptionsStep(self.state)

    def action_focus_list(self) -> None:
        self.query_one("#operation-list", OptionList).focus()

    @property
    def form(self) -> OperationForm:
        """The form of the chosen operation."""
        return self.query_one(f"#form-{self.state.operation}", OperationForm)

    def _new_form(self, name: str) -> OperationForm:
        return OperationForm(BY_NAME[name], self.state.values[name], self.state.task_count, id=f"form-{name}")

    @on(OptionList.OptionHighlighted, "#operation-list")
    async def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        name = event.option.id or ""
        if name not in BY_NAME or BY_NAME[name].aws_only or name == self.state.operation:
            return
        self.state.operation = name
        switcher = self.query_one("#operation-forms", ContentSwitcher)
        if not switcher.query_children(f"#form-{name}"):
            # a form is built the first time its operation is shown (it reads the kept values then)
            await switcher.add_content(self._new_form(name))
        switcher.current = f"form-{name}"
        self._show_operation()
        self.show_problems()

    @on(OptionList.OptionSelected, "#operation-list")
    def _selected(self) -> None:
        self.focus_next()  # into the form

    @on(OperationForm.Changed)
    def _edited(self) -> None:
        self._show_warning()
        self.show_problems()

    def _show_operation(self) -> None:
        info = BY_NAME.get(self.state.operation)
        if info is None:
            self.query_one("#operation-summary", Static).update(Content.from_markup(
                "[b]Choose an operation[/]\n[dim]Move in the list with ↑ and ↓; its form opens here.[/]"))
            return
        self.query_one("#operation-summary", Static).update(
            Content.from_markup("[b]$t[/]  [dim]$n[/]\n$s", t=info.title, n=info.name, s=info.summary)
        )
        self._show_warning()

    def _show_warning(self) -> None:
        warning = self.state.destructive_warning()
        if warning == self._warning_shown:
            return
        self._warning_shown = warning
        panel = self.query_one("#operation-warning", Static)
        panel.display = warning is not None
        panel.update(Content.from_markup("[b]⚠ Destructive:[/] $w", w=warning or ""))

    def mark_invalid(self, problems: dict[str, str]) -> None:
        if self.state.operation:
            self.form.mark_invalid(problems)

    def state_changed(self) -> None:
        for form in self.query(OperationForm):
            form.set_task_count(self.state.task_count)
        self._show_warning()
        super().state_changed()
