"""The home screen: every job in a live table, steered from the keyboard."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Static

from s3batch_tui.core.errors import JobNotFound, JobStateError
from s3batch_tui.core.status import JobStatus
from s3batch_tui.core.store import JobRecord
from s3batch_tui.tui.commands import Command, bindings
from s3batch_tui.tui.screens.confirm import ConfirmScreen
from s3batch_tui.tui.widgets.job_table import SORTS, JobTable, job_row, matches, sort_records

COMMANDS = (
    Command("job.new", "n", "new_job", "New", "job: new", "Create a job with the wizard"),
    Command("job.inspect", "enter", "inspect", "Inspect", "job: inspect", "Open the job inspector"),
    Command("job.run", "r", "run_job", "Run", "job: run", "Start a New or Ready job, or resume a Paused one"),
    Command("job.pause", "p", "pause_resume", "Pause/Resume", "job: pause or resume",
            "Pause a running job, resume a paused one (marked jobs too)"),
    Command("job.cancel", "c", "cancel", "Cancel", "job: cancel", "Cancel the job (marked jobs too), after confirmation"),
    Command("job.confirm", "y", "confirm_job", "Confirm", "job: confirm", "Confirm a Suspended job so it runs"),
    Command("job.priority_up", "plus,=", "priority(1)", "Prio+", "job: raise priority", "Raise the priority by one",
            show=False),
    Command("job.priority_down", "minus", "priority(-1)", "Prio-", "job: lower priority", "Lower the priority by one",
            show=False),
    Command("job.retry", "R", "retry_failed", "Retry failed", "job: retry failed tasks",
            "Create and run a new job over the failed tasks"),
    Command("job.report", "o", "open_report", "Report", "job: open report", "Open the completion report"),
    Command("jobs.filter", "slash", "filter", "Filter", "jobs: filter", "Show only jobs matching some text"),
    Command("jobs.sort", "s", "cycle_sort", "Sort", "jobs: cycle sort", "Sort by newest, status, priority, progress"),
    Command("jobs.mark", "space", "mark", "Mark", "jobs: mark", "Mark the job so pause/resume/cancel apply to all marked",
            show=False),
    Command("jobs.down", "j", "cursor_down", "Down", "jobs: next", "Move down", show=False),
    Command("jobs.up", "k", "cursor_up", "Up", "jobs: previous", "Move up", show=False),
)  # fmt: skip


class JobsScreen(Screen):
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

    def action_new_job(self) -> None:
        self.app.open_wizard()

    def action_inspect(self) -> None:
        if (job := self._selected()) is not None:
            self.app.open_inspector(job.id)

    @on(JobTable.RowSelected)
    def _row_chosen(self, event: JobTable.RowSelected) -> None:
        self.app.open_inspector(event.row_key.value)

    def action_run_job(self) -> None:
        if (job := self._selected()) is not None:
            self._do(lambda: self.app.actions.run(job.id), f"Started job {job.id[:8]}")

    def action_pause_resume(self) -> None:
        for job in self._targets():
            self._do(lambda j=job: f"Job {j.id[:8]} {self.app.actions.pause_or_resume(j.id)}")

    def action_confirm_job(self) -> None:
        if (job := self._selected()) is not None:
            self._do(lambda: self.app.actions.confirm(job.id), f"Confirmed job {job.id[:8]}")

    def action_priority(self, delta: int) -> None:
        for job in self._targets():
            self._do(lambda j=job: f"Job {j.id[:8]} priority {self.app.actions.change_priority(j.id, delta)}")

    def action_retry_failed(self) -> None:
        if (job := self._selected()) is not None:
            self._do(lambda: f"Retrying {job.failed} failed tasks as job {self.app.actions.retry_failed(job.id)[:8]}")

    def action_open_report(self) -> None:
        job = self._selected()
        if job is None:
            return
        if not job.report_location:
            self.notify(f"Job {job.id[:8]} has no report yet ({job.status}).", severity="warning")
            return
        self.app.open_report(job.report_location)

    def action_cancel(self) -> None:
        jobs = [j for j in self._targets() if not j.status.is_terminal]
        if not jobs:
            self.notify("Nothing to cancel: the job has ended.", severity="warning")
            return
        remaining = sum(max((j.total_tasks or 0) - j.succeeded - j.failed, 0) for j in jobs)
        names = ", ".join(f"{j.id[:8]} ({j.description or j.operation})" for j in jobs[:3])
        more = f" and {len(jobs) - 3} more" if len(jobs) > 3 else ""
        question = (
            f"Cancel {names}{more}?\n\n{remaining:,} tasks have not run yet and will not run. "
            "Tasks that already succeeded stay applied; the report lists what ran."
        )

        def cancel_if_confirmed(confirmed: bool | None) -> None:
            if confirmed:
                for job in jobs:
                    self._do(lambda j=job: self.app.actions.cancel(j.id), f"Cancelling job {job.id[:8]}")
                self.marked.clear()

        self.app.push_screen(ConfirmScreen("Cancel jobs" if len(jobs) > 1 else "Cancel job", question, "Cancel job"),
                             cancel_if_confirmed)  # fmt: skip

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

    @work(thread=True, exit_on_error=False, group="job-actions")
    def _do(self, action, done_message: str | None = None) -> None:
        """Run a job action off the UI thread; tell the user what happened."""
        try:
            result = action()
        except (JobStateError, JobNotFound, ValueError) as exc:
            self.app.notify(str(exc), severity="warning")
            return
        self.app.notify(done_message or str(result))
        self.app.poll_now()


def interrupted(records: list[JobRecord]) -> list[JobRecord]:
    """Jobs a dead process left Paused (shown with their reason at start-up)."""
    return [r for r in records if r.status == JobStatus.PAUSED and "exited" in (r.status_reason or "")]
