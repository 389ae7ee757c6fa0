"""The footer every screen uses: compact on a narrow terminal, so `q Quit` and `? Help` still fit."""

from __future__ import annotations

from textual.widgets import Footer

COMPACT_BELOW = 110
"""Terminal widths under this drop the padding between keys."""


class AppFooter(Footer):
    """Textual's footer, compact when the terminal is narrow."""

    def on_resize(self) -> None:
        self.compact = self.size.width < COMPACT_BELOW
