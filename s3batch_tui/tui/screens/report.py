"""The report viewer: counts at the top, one page of rows below, filters, failed-rows export.

Any report opens here, ours or AWS's, local or in S3. Only one page of rows is ever in
the table; `ReportBrowser` (core) seeks to pages, so a 1,000,000-row report stays fast.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from textual import on, work
from textual.app import ComposeResult
from textual.markup import escape
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Header, Input, Static
from textual.worker import get_current_worker

from s3batch_tui.core.report import ReportSummary, open_report
from s3batch_tui.core.report.browse import ReportBrowser, ReportPage, RowFilter, ScanStopped
from s3batch_tui.tui.commands import Command, bindings
from s3batch_tui.tui.screens.report_export import ExportFailedMixin
from s3batch_tui.tui.screens.row_detail import RowScreen
from s3batch_tui.tui.widgets.footer import AppFooter
from s3batch_tui.tui.widgets.report_view import (
    ReportTable,
    SummaryPanel,
    column_widths,
    filters_text,
    head_text,
    row_cells,
    status_text,
)

COMMANDS = (
    Command("report.next", "n,pagedown", "next_page", "Next", "report: next page",
            "Next page (pagedown or down on the last row too)"),
    Command("report.previous", "b,pageup", "previous_page", "Prev", "report: previous page",
            "Previous page (pageup or up on the first row too)"),
    Command("report.first", "g", "first_page", "First", "report: first page", "Go to the first page", show=False),
    Command("report.last", "G", "last_page", "Last", "report: last page", "Go to the last page", show=False),
    Command("report.status", "f", "cycle_status", "Status", "report: filter by status",
            "Cycle the status filter: all, failed, succeeded"),
    Command("report.code", "e", "cycle_error_code", "Code", "report: filter by error code",
            "Cycle through the error codes of the summary, most frequent first"),
    Command("report.text", "slash", "filter_text", "Search", "report: filter by text",
            "Show only rows holding every word typed (key, version, code, message)"),
    Command("report.row", "enter", "show_row", "Details", "report: row details",
            "Show the row in full, to read and copy its key, URI or message", show=False),
    Command("report.export", "x", "export_failed", "Export", "report: export failed rows",
            "Export the failed rows (filtered) as a CSV manifest for a new job"),
    Command("report.back", "escape", "back", "Back", "report: back", "Clear the filters, or go back"),
    Command("report.down", "j", "cursor(1)", "Down", "report: next row", "Move down", show=False),
    Command("report.up", "k", "cursor(-1)", "Up", "report: previous row", "Move up", show=False),
)  # fmt: skip
STATUS_CYCLE = (None, "failed", "succeeded")


class ReportScreen(ExportFailedMixin, Screen):
    """One report: counts by status and error code, and its rows a page at a time.

    Args:
        location: a path, `file://` or `s3://` URI of a manifest.json, a job-*/ folder
            or a results CSV.
    """

    COMMANDS_LIST = COMMANDS
    BINDINGS = bindings(COMMANDS)

    @dataclass
    class Opened(Message):
        """The report was found and its first page read."""

        browser: ReportBrowser
        page: ReportPage

    @dataclass
    class Summarised(Message):
        """The counts are in (or could not be made: `error`)."""

        summary: ReportSummary | None
        error: str = ""

    @dataclass
    class PageLoaded(Message):
        """A page of rows for a filter was read (`asked`: the page number asked for)."""

        row_filter: RowFilter
        page: ReportPage
        asked: int

    @dataclass
    class Counted(Message):
        """The rows matching a filter were counted."""

        row_filter: RowFilter
        total: int

    @dataclass
    class ReadFailed(Message):
        """The report (or a page of it) could not be read."""

        title: str
        error: str

    def __init__(self, location: str) -> None:
        super().__init__()
        self.location = location
        self.browser: ReportBrowser | None = None
        self.summary: ReportSummary | None = None
        self.row_filter = RowFilter()
        self.page: ReportPage | None = None
        self.total: int | None = None
        self._cursor_at_end = False
        self._counting: RowFilter | None = None
        self._loading_timer = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"[b]Report[/b]  {escape(self.location)}", id="report-head")
        yield SummaryPanel(id="report-summary")
        yield Static("", id="report-filters")
        yield ReportTable(id="report-rows", cursor_type="row", zebra_stripes=True)
        yield Static("", id="report-error")
        yield Input(placeholder="words that every row shown must contain (enter: done, esc: clear)", id="report-filter")
        yield Static("", id="report-status-line")
        yield AppFooter()

    def on_mount(self) -> None:
        self.sub_title = "report"
        self.query_one("#report-filter").display = False
        self.query_one("#report-error").display = False
        self.panel.loading = True
        self.table.loading = True
        self._show_filters()
        self._open()

    @property
    def table(self) -> ReportTable:
        """The table of the current page."""
        return self.query_one(ReportTable)

    @property
    def panel(self) -> SummaryPanel:
        """The counts at the top."""
        return self.query_one(SummaryPanel)

    # --- reading, in threads -----------------------------------------------------------

    @work(thread=True, exit_on_error=False, group="report-open")
    def _open(self) -> None:
        """Find the report, show its first page, then count it (the long part)."""
        worker = get_current_worker()
        try:
            browser = ReportBrowser(open_report(self.location, self.app.s3()))
            self.post_message(self.Opened(browser, browser.page(RowFilter(), 0)))
        except Exception as exc:  # noqa: BLE001 - any failure is shown, none may crash the app
            self.post_message(self.ReadFailed("Cannot open this report", str(exc)))
            return
        try:
            self.post_message(self.Summarised(browser.summary(stop=lambda: worker.is_cancelled)))
        except ScanStopped:
            pass
        except Exception as exc:  # noqa: BLE001
            self.post_message(self.Summarised(None, str(exc)))

    @work(thread=True, exclusive=True, group="report-page", exit_on_error=False)
    def _load_page(self, row_filter: RowFilter, number: int) -> None:
        worker = get_current_worker()
        try:
            page = self.browser.page(row_filter, number, stop=lambda: worker.is_cancelled)
        except ScanStopped:
            return
        except Exception as exc:  # noqa: BLE001
            self.post_message(self.ReadFailed("Cannot read this page of the report", str(exc)))
            return
        self.post_message(self.PageLoaded(row_filter, page, number))

    def _start_count(self) -> None:
        if self._counting != self.row_filter:
            self._counting = self.row_filter
            self._count(self.row_filter)

    @work(thread=True, exclusive=True, group="report-count", exit_on_error=False)
    def _count(self, row_filter: RowFilter) -> None:
        worker = get_current_worker()
        try:
            total = self.browser.count(row_filter, stop=lambda: worker.is_cancelled)
            self.post_message(self.Counted(row_filter, total))
        except Exception:  # noqa: BLE001, S110 - ScanStopped, or an error that paging will show
            pass

    # --- showing ------------------------------------------------------------------------

    def on_report_screen_opened(self, message: Opened) -> None:
        self.browser = message.browser
        self.query_one("#report-head", Static).update(head_text(message.browser.report))
        self._show_page(message.page)
        self.table.focus()

    def on_report_screen_summarised(self, message: Summarised) -> None:
        self.summary = message.summary
        self.panel.loading = False
        self.panel.show(message.summary, self.row_filter.error_code, message.error)
        if self.total is None and not self.row_filter.text and self.summary is not None:
            self._start_count()  # indexed by the summary: no rows are read

    def _show_page(self, page: ReportPage) -> None:
        self.page = page
        if page.total_matching is not None:
            self.total = page.total_matching
        elif self.total is None and (self.row_filter.text or self.summary is not None):
            self._start_count()  # else the summary, under way, counts it
        self._stop_loading()
        self._fill_table()
        if page.rows:
            self.table.move_cursor(row=len(page.rows) - 1 if self._cursor_at_end else 0, animate=False)
        self._show_status_line()

    def _fill_table(self) -> None:
        """The page's rows, in columns sized to the screen."""
        table, page = self.table, self.page
        widths = column_widths(page, self.size.width)
        colours = self.app.theme_variables
        with self.app.batch_update():
            cursor = table.cursor_row
            table.clear(columns=True)
            for label, width in widths.items():
                table.add_column(label, width=width, key=label)
            for number, row in enumerate(page.rows, start=page.first_row + 1):
                table.add_row(*row_cells(row, number, widths, colours))
            table.move_cursor(row=cursor, animate=False)

    def on_resize(self) -> None:
        if self.page is not None:
            self._fill_table()
        if self.summary is not None:  # the bars fit the panels' new widths
            self.call_after_refresh(self.panel.show, self.summary, self.row_filter.error_code)

    def _show_status_line(self) -> None:
        if self.page is not None:
            text = status_text(self.page, self.total, self.row_filter != RowFilter())
            self.query_one("#report-status-line", Static).update(text)

    def _show_filters(self) -> None:
        self.query_one("#report-filters", Static).update(filters_text(self.row_filter))

    def on_report_screen_page_loaded(self, message: PageLoaded) -> None:
        if message.row_filter != self.row_filter:
            return  # the filter changed since: a newer page is on its way
        if self.page is not None and message.asked > message.page.number and message.page.number == self.page.number:
            self._stop_loading()
            self.notify("This is the last page.")
            return
        self._show_page(message.page)

    def on_report_screen_counted(self, message: Counted) -> None:
        if message.row_filter == self.row_filter:
            self.total = message.total
            self._show_status_line()

    def on_report_screen_read_failed(self, message: ReadFailed) -> None:
        self._stop_loading()
        for name in ("#report-summary", "#report-filters", "#report-rows"):
            self.query_one(name).display = False
        panel = self.query_one("#report-error", Static)
        panel.display = True
        where = "" if self.location in message.error else f"{escape(self.location)}\n\n"
        panel.update(f"[b $error]{message.title}[/]\n\n{where}{escape(message.error)}\n\n"
                     "[$text-muted]Press esc to go back.[/]")  # fmt: skip

    def _stop_loading(self) -> None:
        if self._loading_timer is not None:
            self._loading_timer.stop()
            self._loading_timer = None
        self.table.loading = False

    def _request_page(self, number: int, at_end: bool = False) -> None:
        """Ask for a page; the loading indicator only shows if it takes a moment."""
        if self.browser is None:
            return
        self._cursor_at_end = at_end
        if self._loading_timer is None:
            self._loading_timer = self.set_timer(0.15, lambda: setattr(self.table, "loading", True))
        self._load_page(self.row_filter, number)

    def _set_filter(self, row_filter: RowFilter) -> None:
        if row_filter == self.row_filter:
            return
        self.row_filter = row_filter
        self.total = None
        self._counting = None
        self.workers.cancel_group(self, "report-count")
        self._show_filters()
        if self.summary is not None:
            self.panel.show(self.summary, row_filter.error_code)
        self._request_page(0)

    # --- actions ------------------------------------------------------------------------

    def action_next_page(self) -> None:
        if self.page is not None and self.page.has_next:
            self._request_page(self.page.number + 1)
        elif self.page is not None:
            self.notify("This is the last page.")

    def action_previous_page(self, at_end: bool = False) -> None:
        if self.page is not None and self.page.number > 0:
            self._request_page(self.page.number - 1, at_end)

    def action_first_page(self) -> None:
        self._request_page(0)

    def action_last_page(self) -> None:
        self._request_page(2**62)  # past the end: the browser returns the last page

    @on(ReportTable.EdgeReached)
    def _edge(self, event: ReportTable.EdgeReached) -> None:
        if event.forward:
            if self.page is not None and self.page.has_next:
                self._request_page(self.page.number + 1)
        else:
            self.action_previous_page(at_end=True)

    def action_cursor(self, step: int) -> None:
        if step > 0:
            self.table.action_cursor_down()
        else:
            self.table.action_cursor_up()

    def action_cycle_status(self) -> None:
        position = STATUS_CYCLE.index(self.row_filter.status) if self.row_filter.status in STATUS_CYCLE else 0
        self._set_filter(replace(self.row_filter, status=STATUS_CYCLE[(position + 1) % len(STATUS_CYCLE)]))

    def action_cycle_error_code(self) -> None:
        if self.summary is None:
            self.notify("Still counting the error codes…")
            return
        codes = [None] + [code for code, _ in self.summary.by_error_code.most_common()]
        if len(codes) == 1:
            self.notify("No error codes in this report.")
            return
        position = codes.index(self.row_filter.error_code) if self.row_filter.error_code in codes else 0
        self._set_filter(replace(self.row_filter, error_code=codes[(position + 1) % len(codes)]))

    def action_filter_text(self) -> None:
        box = self.query_one("#report-filter", Input)
        box.display = True
        box.focus()

    @on(Input.Changed, "#report-filter")
    def _text_changed(self, event: Input.Changed) -> None:
        self._set_filter(replace(self.row_filter, text=event.value.strip()))

    @on(Input.Submitted, "#report-filter")
    def _text_done(self) -> None:
        self.table.focus()

    def action_back(self) -> None:
        box = self.query_one("#report-filter", Input)
        if box.display:
            box.value = ""
            box.display = False
            self.table.focus()
        elif self.row_filter != RowFilter():
            self._set_filter(RowFilter())
        else:
            self.app.pop_screen()

    def action_show_row(self) -> None:
        if self.page is not None and self.page.rows and self.table.row_count:
            self.app.push_screen(RowScreen(self.page.rows[self.table.cursor_row]))

    @on(DataTable.RowSelected, "#report-rows")
    def _row_chosen(self) -> None:
        self.action_show_row()
