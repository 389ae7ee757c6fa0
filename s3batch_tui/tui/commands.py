"""Commands declared once: each yields its key binding, footer label, help line and palette entry."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding


KEY_NAMES = {"plus": "+", "minus": "-", "slash": "/", "question_mark": "?", "equals_sign": "=", "escape": "esc"}


@dataclass(frozen=True)
class Command:
    """One user action of a screen.

    Attributes:
        id: stable id, so users can remap keys (`job.cancel`).
        key: the key (or comma-separated keys) that runs it.
        action: the screen action it runs (`cancel` runs `action_cancel`).
        label: short footer label.
        title: the command palette title, `area: verb` (`job: cancel`).
        help: one sentence for the help screen and the palette.
        show: whether the footer shows it.
    """

    id: str
    key: str
    action: str
    label: str
    title: str
    help: str
    show: bool = True

    def binding(self) -> Binding:
        """The Textual binding of this command."""
        return Binding(self.key, self.action, self.label, show=self.show, id=self.id, tooltip=self.help)

    @property
    def key_display(self) -> str:
        """The keys as the help screen shows them (`+ / =`, not `plus / equals`)."""
        return " / ".join(KEY_NAMES.get(part.strip(), part.strip()) for part in self.key.split(","))


def bindings(commands: tuple[Command, ...]) -> list[Binding]:
    """Bindings for a screen's commands."""
    return [command.binding() for command in commands]
