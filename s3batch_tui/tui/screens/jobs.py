"""The home screen: every job in a live table, steered from the keyboard."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Static

from s3batch_tui.core.status import JobStatus
from s3batch_tui.core.store import JobRecord
from s3batch_tui.tui.commands import Command, bindings
from s3batch_tui.tui.job_actions import JobActionsMixin, job_commands
from s3batch_tui.tui.screens.ask import AskScreen
from s3batch_tui.tui.widgets.job_table import SORTS, JobTable, job_row, matches, sort_records

COMMANDS = (
    Command("job.new", "n", "new_job", "New", "job: new", "Create a job with the wizard"),
    Command("job.inspect", "enter", "inspect", "Inspect", "job: inspect", "Open the job inspector"),
    *job_commands(marked=True),
    Command("jobs.filter", "slash", "filter", "Filter", "jobs: filter", "Show only jobs matching some text"),
    Command("jobs.sort", "s", "cycle_sort", "Sort", "jobs: cycle sort", "Sort by newest, status, priority, progress"),
    Command("jobs.mark", "space", "mark", "Mark", "jobs: mark", "Mark the job so pause/resume/cancel apply to all marked",
            show=False),
    Command("jobs.down", "j", "cursor_down", "Down", "jobs: next", "Move down", show=False),
    Command("jobs.up", "k", "cursor_up", "Up", "jobs: previous", "Move up", show=False),
    Command("report.open_any", "O", "open_any_report", "Open report…", "report: open by path or URI",
            "Open any report, ours or AWS's, by path or s3:// URI", show=False),
    Command("app.quit", "q", "quit", "Quit", "app: quit", "Quit; asks whether running jobs pause or keep running"),
)  # fmt: skip


class JobsScreen(JobActionsMixin, Screen):
    """Every job in the store, newest first, updated live."""

    COMMANDS_LIST = COMMANDS
    BINDINGS = bindings(COMMANDS)

    def __init__(self) -> None:
        super().__init__()
        self.sort = SORTS[0]
        self.filter_text = ""
        self.marked: set[str] = set()

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="jobs-body"):
            yield JobTable(id="jobs")
            yield Static("", id="jobs-empty")
        with Vertical(id="jobs-bottom"):
            yield Input(placeholder="filter jobs: id, description, operation or status (esc clears)", id="jobs-filter")
            yield Static("", id="jobs-status-line")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#jobs-filter").display = False
        self.refresh_jobs()

    # --- showing ------------------------------------------------------------------------

    @property
    def table(self) -> JobTable:
        """The jobs table."""
        return self.query_one(JobTable)

    def refresh_jobs(self) -> None:
        """Show the app's latest snapshot (called on every store poll)."""
        if not (self.is_attached and self.app.is_running):  # the app is closing: the table may be gone
            return
        records = [r for r in self.app.jobs.values() if matches(r, self.filter_text)]
        colours = self.app.theme_variables
        rows = [
            (r.id, job_row(r, self.app.rates_by_job.get(r.id, 0.0), r.id in self.marked, colours))
            for r in sort_records(records, self.sort)
        ]
        self.table.show(rows)
        empty = self.query_one("#jobs-empty", Static)
        empty.display = not rows
        if not rows:
            empty.update(
                "No jobs match the filter." if self.filter_text else
                "No jobs yet. Press [b]n[/b] to create one, or run [b]s3batch-tui demo[/b] to try it on sample data."
            )  # fmt: skip
        line = f"{len(rows)} jobs · sort: {self.sort}"
        if self.filter_text:
            line += f" · filter: {self.filter_text!r}"
        if self.marked:
            line += f" · {len(self.marked)} marked"
        self.query_one("#jobs-status-line", Static).update(line)

    def _targets(self) -> list[JobRecord]:
        """The marked jobs, or else the one under the cursor."""
        ids = [i for i in self.marked if i in self.app.jobs] or [self.table.selected_job]
        return [self.app.jobs[i] for i in ids if i in self.app.jobs]

    def _selected(self) -> JobRecord | None:
        job_id = self.table.selected_job
        return self.app.jobs.get(job_id) if job_id else None

    # --- actions ------------------------------------------------------------------------

    def action_quit(self) -> None:
        self.app.action_quit_app()

    def action_new_job(self) -> None:
        self.app.open_wizard()

    def action_inspect(self) -> None:
        if (job := self._selected()) is not None:
            self.app.open_inspector(job.id)

    @on(JobTable.RowSelected)
    def _row_chosen(self, event: JobTable.RowSelected) -> None:
        self.app.open_inspector(event.row_key.value)

    def _cancel_confirmed(self) -> None:
        self.marked.clear()

    def action_mark(self) -> None:
        job_id = self.table.selected_job
        if job_id:
            self.marked ^= {job_id}
            self.refresh_jobs()
            self.table.action_cursor_down()

    def action_cycle_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self.refresh_jobs()

    def action_filter(self) -> None:
        box = self.query_one("#jobs-filter", Input)
        box.display = True
        box.focus()

    def action_open_any_report(self) -> None:
        def open_it(location: str | None) -> None:
            if location:
                self.app.open_report(location)

        prompt = ("A report's manifest.json, its job-…/ folder or a results CSV: a local path, "
                  "file:///… or s3://bucket/prefix/job-…/")  # fmt: skip
        self.app.push_screen(AskScreen("Open a report", prompt, placeholder="s3://bucket/reports/job-…/"), open_it)

    def action_cursor_down(self) -> None:
        self.table.action_cursor_down()

    def action_cursor_up(self) -> None:
        self.table.action_cursor_up()

    @on(Input.Changed, "#jobs-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value
        self.refresh_jobs()

    @on(Input.Submitted, "#jobs-filter")
    def _filter_done(self) -> None:
        self.table.focus()

    def key_escape(self) -> None:
        box = self.query_one("#jobs-filter", Input)
        if box.display:
            box.value = ""
            box.display = False
            self.table.focus()


def interrupted(records: list[JobRecord]) -> list[JobRecord]:
    """Jobs a dead process left Paused (shown with their reason at start-up)."""
    return [r for r in records if r.status == JobStatus.PAUSED and "exited" in (r.status_reason or "")]
