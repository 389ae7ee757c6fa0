"""One report row in full: a modal to read, select and copy from (keys, versions, long messages)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, TextArea

from s3batch_tui.core.formatting import escape_invisible
from s3batch_tui.core.report import ReportRow


def row_text(row: ReportRow) -> str:
    """Every field of the row, one per line; the key as it is and, if it has invisible characters, escaped."""
    key = row.decoded_key
    lines = [f"URI        s3://{row.bucket}/{key}", f"Bucket     {row.bucket}", f"Key        {key}"]
    if escape_invisible(key) != key:
        lines.append(f"Key shown  {escape_invisible(key)}  (tabs, controls and trailing spaces made visible)")
    lines += [f"Key (raw)  {row.key}  (as the report writes it)", f"Version    {row.version_id or '-'}",
              f"Status     {row.task_status}", f"HTTP       {row.http_status if row.http_status is not None else '-'}",
              f"Error code {row.error_code or '-'}", "", "Message", row.result_message]  # fmt: skip
    return "\n".join(lines)


class RowScreen(ModalScreen[None]):
    """The row's fields in a read-only text area (select with the mouse or shift+arrows, ctrl+c copies)."""

    BINDINGS = [
        Binding("escape,q", "dismiss", "Close", id="row.close", tooltip="Back to the report"),
        Binding("k", "copy('key')", "Copy key", id="row.copy_key", tooltip="Copy the object key"),
        Binding("u", "copy('uri')", "Copy URI", id="row.copy_uri", tooltip="Copy s3://bucket/key"),
        Binding("m", "copy('message')", "Copy message", id="row.copy_message", tooltip="Copy the result message"),
    ]

    def __init__(self, row: ReportRow) -> None:
        super().__init__()
        self.row = row

    def compose(self) -> ComposeResult:
        with Vertical(id="row-dialog"):
            yield Label(f"Report row: {self.row.task_status}", id="row-title")
            yield TextArea(row_text(self.row), read_only=True, soft_wrap=True, id="row-text")
            with Horizontal(id="row-buttons"):
                yield Button("Copy key (k)", id="key", compact=True)
                yield Button("Copy URI (u)", id="uri", compact=True)
                yield Button("Copy message (m)", id="message", compact=True)
                yield Button("Close (esc)", id="close", compact=True)

    def action_copy(self, what: str) -> None:
        row = self.row
        text = {"key": row.decoded_key, "uri": f"s3://{row.bucket}/{row.decoded_key}", "message": row.result_message}
        self.app.copy_to_clipboard(text[what])
        self.notify(f"Copied the {'URI' if what == 'uri' else what} to the clipboard")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "close":
            self.dismiss()
        else:
            self.action_copy(event.button.id or "key")
