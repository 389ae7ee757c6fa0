"""A checkbox whose state shows in its shape, not only its colour: `✓` when ticked, blank when not."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Checkbox


class TickBox(Checkbox):
    """Textual's Checkbox with a tick that is there or not (colour-blind users and light themes)."""

    @property
    def _button(self) -> Content:
        self.BUTTON_INNER = "✓" if self.value else " "
        return super()._button
