"""What every wizard step shares: the step bar, the problems panel, Back and Next."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Header, Label, Static

from s3batch_tui.tui.commands import Command
from s3batch_tui.tui.screens.wizard.state import STEPS, Problem, WizardState
from s3batch_tui.tui.widgets.footer import AppFooter

NEXT = Command("wizard.next", "ctrl+n", "next", "Next", "wizard: next step",
               "Go to the next step (refused while this one is invalid)")  # fmt: skip
BACK = Command("wizard.back", "escape", "back", "Back", "wizard: previous step",
               "Go back one step; everything entered is kept")  # fmt: skip


class StepBar(Horizontal):
    """`✓ 1 Manifest › ● 2 Operation › 3 Options › 4 Review`: where the user is."""

    def __init__(self, current: str) -> None:
        super().__init__(id="wizard-steps")
        self.current = current

    def compose(self) -> ComposeResult:
        here = STEPS.index(self.current)
        for number, name in enumerate(STEPS, start=1):
            if number > 1:
                yield Label("›", classes="wizard-step-sep")
            mark = "✓" if number - 1 < here else ("●" if number - 1 == here else "○")
            state = "-done" if number - 1 < here else ("-current" if number - 1 == here else "-todo")
            yield Label(f"{mark} {number} {name}", classes=f"wizard-step {state}")


class WizardStep(Screen):
    """A step of the new-job wizard; subclasses set STEP and implement `compose_body`.

    Every step reads its inputs from `state` when composed and writes every change back,
    so going back (esc) and forth keeps what was entered.
    """

    STEP = "Manifest"
    INLINE = False
    FIX_HINT = "to fix before going on"
    """Whether the step shows a field's problems next to the field (the panel then lists only the rest)."""

    def __init__(self, state: WizardState) -> None:
        super().__init__()
        self.state = state
        self._shown: tuple | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield StepBar(self.STEP)
        with Vertical(id="wizard-body"):
            yield from self.compose_body()
        yield Static("", id="wizard-problems")
        with Horizontal(id="wizard-nav"):
            yield Button("◂ Back (esc)", id="wizard-back")
            yield Static("", id="wizard-hint")
            if self.STEP != STEPS[-1]:
                yield Button("Next ▸ (ctrl+n)", id="wizard-next", variant="primary")
        yield AppFooter()

    def compose_body(self) -> ComposeResult:
        """The step's own widgets."""
        yield from ()

    def on_mount(self) -> None:
        self.sub_title = f"New job · step {STEPS.index(self.STEP) + 1} of {len(STEPS)}: {self.STEP}"
        self.show_problems()

    # --- problems ---------------------------------------------------------------------

    def show_problems(self) -> list[Problem]:
        """Show this step's problems next to the form; returns them."""
        problems = self.step_problems()
        shown = (tuple(problems), self.ready_hint())
        if shown == self._shown:
            return problems  # unchanged: no update, no relayout (this runs on every keystroke)
        self._shown = shown
        listed = [p for p in problems if not (self.INLINE and p.field)]
        panel = self.query_one("#wizard-problems", Static)
        panel.display = bool(listed)
        lines = [Content.from_markup("✗ $t", t=p.text) for p in listed[:6]]
        if len(listed) > 6:
            lines.append(Content(f"  … and {len(listed) - 6} more"))
        panel.update(Content("\n").join(lines))
        hint = self.query_one("#wizard-hint", Static)
        if problems:
            hint.update(f"{len(problems)} problem{'s' if len(problems) > 1 else ''} {self.FIX_HINT}")
        else:
            hint.update(self.ready_hint())
        hint.set_class(bool(problems), "-invalid")
        by_field: dict[str, str] = {}
        for problem in problems:
            if problem.field:
                by_field.setdefault(problem.field, problem.text)
        self.mark_invalid(by_field)
        return problems

    def step_problems(self) -> list[Problem]:
        """The problems this step shows (its own)."""
        return self.state.problems(self.STEP)

    def ready_hint(self) -> str:
        """The hint shown when the step is valid."""
        return "✓ ready: ctrl+n for the next step"

    def mark_invalid(self, problems: dict[str, str]) -> None:
        """Flag the inputs named in `problems` (field → first message); subclasses map names to widgets."""

    def state_changed(self) -> None:
        """Background work (manifest validation) changed the state: show it."""
        self.show_problems()

    # --- navigation -------------------------------------------------------------------

    def action_next(self) -> None:
        problems = self.show_problems()
        if problems:
            self.app.bell()
            self.notify(f"{problems[0].text}", title="Fix this step first", severity="error")
            return
        self.app.push_screen(self.next_step())

    def next_step(self) -> Screen:
        """The screen of the following step."""
        raise NotImplementedError

    def action_back(self) -> None:
        self.app.pop_screen()

    @on(Button.Pressed, "#wizard-next")
    def _next_pressed(self) -> None:
        self.action_next()

    @on(Button.Pressed, "#wizard-back")
    def _back_pressed(self) -> None:
        self.action_back()


def close_wizard(app) -> None:
    """Pop every wizard step, back to the screen that opened the wizard."""
    while isinstance(app.screen, WizardStep):
        app.pop_screen()


def flag(widgets: dict[str, Widget], fields: set[str] | dict[str, str]) -> None:
    """Set the `-invalid` class on the widgets of `fields`, clear it on the others."""
    for name, widget in widgets.items():
        widget.set_class(name in fields, "-invalid")
