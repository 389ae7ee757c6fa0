"""The report viewer's widgets: the counts at the top, and the page of rows that fits the screen."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.markup import escape
from textual.message import Message
from textual.widgets import DataTable, Static

from s3batch_tui.core.formatting import escape_invisible
from s3batch_tui.core.report import Report, ReportRow, ReportSummary
from s3batch_tui.core.report.browse import ReportPage, RowFilter

COLUMN_ORDER = ("#", "Bucket", "Key", "Version", "Status", "HTTP", "Error code", "Message")
TOP_CODES = 3
BAR_WIDTH = 52
NARROW = 100


def shorten(text: str, width: int, middle: bool = False) -> str:
    """`text` on one line, cut to `width` with `…` (in the middle for keys: their end matters)."""
    text = text.replace("\r", " ").replace("\n", " ⏎ ")
    if len(text) <= width:
        return text
    if not middle:
        return text[: width - 1] + "…"
    head = (width - 1) // 2
    return text[:head] + "…" + text[len(text) - (width - 1 - head):]


def column_widths(page: ReportPage, width: int) -> dict[str, int]:
    """Widths fitting the page's rows into `width` cells; key and message share what is left.

    The version column only appears when a row of the page has a version id; on a narrow
    terminal the bucket and HTTP columns give their room to the key.
    """
    rows = page.rows
    widths = {
        "#": len(f"{page.first_row + len(rows):,}"),
        "Bucket": min(max([len(r.bucket) for r in rows] + [6]), 16),
        "Version": min(max([len(r.version_id or "") for r in rows] + [7]), 14),
        "Status": 9, "HTTP": 4, "Error code": min(max([len(r.error_code) for r in rows] + [10]), 32),
    }  # fmt: skip
    if not any(r.version_id for r in rows):
        del widths["Version"]
    if width < NARROW:  # the key matters most: the bucket and HTTP status are in the row's details (enter)
        del widths["Bucket"], widths["HTTP"]
    rest = max(width - sum(widths.values()) - 2 * (len(widths) + 2) - 2, 24)
    key = max(rest * 11 // 20, 12)
    widths = {**widths, "Key": key, "Message": rest - key}
    return {name: widths[name] for name in COLUMN_ORDER if name in widths}


def row_cells(row: ReportRow, number: int, widths: dict[str, int], colours: dict[str, str]) -> list[Text]:
    """The table cells of one report row (`number` counts from 1 among matching rows)."""
    colour = colours.get("success" if row.succeeded else "error", "")
    values = {
        "#": Text(f"{number:,}", style="dim", justify="right"), "Bucket": shorten(row.bucket, widths.get("Bucket", 0)),
        "Key": shorten(escape_invisible(row.decoded_key), widths["Key"], middle=True),
        "Version": shorten(row.version_id or "", widths.get("Version", 0), middle=True),
        "Status": Text(row.task_status, style=f"bold {colour}"),
        "HTTP": "" if row.http_status is None else str(row.http_status),
        "Error code": shorten(row.error_code, widths["Error code"]),
        "Message": shorten(escape_invisible(row.result_message), widths["Message"]),
    }  # fmt: skip
    return [value if isinstance(value, Text) else Text(value) for name, value in values.items() if name in widths]


def head_text(report: Report) -> str:
    """Where the report is, when it was made and in how many files."""
    files = len(report.results)
    created = (report.creation_date or "").replace("T", " ").removesuffix("Z").split(".")[0]
    facts = [f"created {created} UTC" if created else "a results CSV", f"{files} result file{'s' * (files != 1)}"]
    return f"[b]Report[/b]  {escape(report.location)}\n[$text-muted]{' · '.join(facts)}[/]"


def status_text(page: ReportPage, total: int | None, filtered: bool) -> str:
    """`Rows 101–200 of 1,000 · page 2 of 10` (total None: still counting)."""
    if not page.rows:
        return "No rows match the filter." if filtered else "The report has no rows."
    rows = f"Rows {page.first_row + 1:,}–{page.first_row + len(page.rows):,}"
    if total is None:
        return f"{rows} of … (counting) · page {page.number + 1:,}"
    return f"{rows} of {total:,} · page {page.number + 1:,} of {max(1, -(-total // page.page_size)):,}"


def filters_text(row_filter: RowFilter) -> str:
    """The filters in force, the active ones highlighted, and the keys that change them."""
    f = row_filter
    parts = [("Status", f.status, f.status or "all"), ("Error code", f.error_code, f.error_code or "any"),
             ("Text", f.text, escape(f.text) or "—")]  # fmt: skip
    shown = "   ".join(f"{name} {'[b $accent]' if on else '[b]'}{value}[/]" for name, on, value in parts)
    return shown + "   [$text-muted](f status · e error code · / text · esc clears)[/]"


def bar(share: float, width: int) -> tuple[str, str]:
    """A bar of `width` cells split at `share`: (the full part, the rest)."""
    full = round(share * width)
    return "━" * full, "━" * (width - full)


class SummaryPanel(Horizontal):
    """Counts by status (with a bar) beside the most frequent error codes."""

    _retried = False

    def compose(self) -> ComposeResult:
        yield Static("", id="report-counts")
        yield Static("", id="report-codes")

    def on_mount(self) -> None:
        self.query_one("#report-counts").border_title = "Tasks"
        self.query_one("#report-codes").border_title = "Error codes · share of failed"

    def show(self, summary: ReportSummary | None, chosen_code: str | None, error: str = "") -> None:
        """Show the counts (`summary` None: why they could not be made); mark the chosen code."""
        counts = self.query_one("#report-counts", Static)
        if not counts.content_size.width and not self._retried:  # not laid out yet: draw again once it is
            self._retried = True
            self.call_after_refresh(self.show, summary, chosen_code, error)
        if summary is None:
            counts.update(f"[$error]Could not count the rows:[/]\n{escape(error)}")
            return
        total = max(summary.total, 1)
        room = counts.content_size.width or BAR_WIDTH
        ok, ko = bar(summary.succeeded / total, min(BAR_WIDTH, max(room - 1, 10)))
        counts.update(
            f"[b]{summary.total:,}[/b] tasks\n"
            f"[$success]■[/] succeeded [b]{summary.succeeded:>12,}[/b] {summary.succeeded / total:>7.1%}\n"
            f"[$error]■[/] failed    [b]{summary.failed:>12,}[/b] {summary.failed / total:>7.1%}\n"
            f"[$success]{ok}[/][$error 70%]{ko}[/]"
        )
        codes = summary.by_error_code.most_common()
        shown = codes[:TOP_CODES]
        if chosen_code and chosen_code not in dict(shown):
            shown = shown[: TOP_CODES - 1] + [(chosen_code, summary.by_error_code[chosen_code])]
        lines = []
        room = self.query_one("#report-codes", Static).content_size.width or 60
        code_width = min(max(room - 20, 8), 26)  # the code first; the count and the share keep 18 cells
        bar_width = 10 if room >= code_width + 31 else 0
        for code, count in shown:
            share = count / max(summary.failed, 1)
            full, _ = bar(min(share, 1.0), bar_width)
            line = (f"{escape(shorten(code, code_width)):<{code_width}} [b]{count:>9,}[/b] {share:>7.1%} "
                    f"[$error 70%]{full:<{bar_width}}[/]")  # fmt: skip
            lines.append(f"[b $accent]▶ {line}[/]" if code == chosen_code else f"  {line}")
        if len(codes) > len(shown):
            lines.append(f"[$text-muted]  … and {len(codes) - len(shown)} more: e cycles through them[/]")
        self.query_one("#report-codes", Static).update(
            "\n".join(lines) or "[$text-muted]No error codes in this report.[/]"
        )


class ReportTable(DataTable):
    """The page of rows; moving past its first or last row asks for the next page."""

    class EdgeReached(Message):
        """The cursor was pushed past the last row (`forward`) or the first one."""

        def __init__(self, forward: bool) -> None:
            super().__init__()
            self.forward = forward

    def _at_edge(self, forward: bool) -> bool:
        at_edge = self.row_count > 0 and self.cursor_row == (self.row_count - 1 if forward else 0)
        if at_edge:
            self.post_message(self.EdgeReached(forward))
        return at_edge

    def action_cursor_down(self) -> None:
        if not self._at_edge(True):
            super().action_cursor_down()

    def action_cursor_up(self) -> None:
        if not self._at_edge(False):
            super().action_cursor_up()

    def action_page_down(self) -> None:
        if not self._at_edge(True):
            super().action_page_down()

    def action_page_up(self) -> None:
        if not self._at_edge(False):
            super().action_page_up()
