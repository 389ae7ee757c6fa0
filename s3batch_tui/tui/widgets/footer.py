"""The footer every screen uses: compact on a narrow terminal, so `q Quit` and `? Help` still fit."""

from __future__ import annotations

from textual.widgets import Footer

COMPACT_BELOW = 110
"""Terminal widths under this drop the padding between keys."""


class AppFooter(Footer):
    """Textual's footer, compact when the terminal is narrow.

    Textual rebuilds the footer's keys whenever the focus moves (every tab); most moves
    leave the same keys, so it rebuilds only when what it would show changed.
    """

    _shown: tuple | None = None

    def on_resize(self) -> None:
        self.compact = self.size.width < COMPACT_BELOW

    def _keys(self) -> tuple:
        """Everything `compose` reads from the screen's bindings, to compare two moments."""
        if not self._bindings_ready:
            return ()
        app = self.app
        return (self.show_command_palette, tuple(
            (binding.key, app.get_key_display(binding), binding.description, binding.action, enabled, tooltip,
             binding.tooltip, id(binding.group), binding.show)
            for _, binding, enabled, tooltip in self.screen.active_bindings.values()
        ))  # fmt: skip

    async def recompose(self) -> None:
        if not self.is_attached:
            return
        keys = self._keys()
        if keys == self._shown and self.children:
            return  # the same keys as now: rebuilding them would only cost a relayout
        self._shown = keys
        await super().recompose()
