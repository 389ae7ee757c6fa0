"""The home screen: every job in a live table, steered from the keyboard."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Header, Input, Static

from s3batch_tui.core import history
from s3batch_tui.core.errors import JobNotFound, JobStateError
from s3batch_tui.core.formatting import plural
from s3batch_tui.core.status import JobStatus
from s3batch_tui.core.store import JobRecord
from s3batch_tui.tui.commands import Command, bindings
from s3batch_tui.tui.handover import HandoverMixin
from s3batch_tui.tui.job_actions import JobActionsMixin, applies_to, job_commands, toast_text
from s3batch_tui.tui.screens.ask import AskScreen
from s3batch_tui.tui.screens.confirm import ConfirmScreen
from s3batch_tui.tui.widgets.job_table import SORTS, JobTable, job_row, matches, sort_records
from s3batch_tui.tui.widgets.footer import AppFooter

S = JobStatus
COMMANDS = (
    Command("app.quit", "q", "quit", "Quit", "app: quit", "Quit; asks whether running jobs pause or keep running"),
    Command("app.help", "question_mark,f1", "app.help", "Help", "app: help", "Show every key of this screen"),
    Command("job.new", "n", "new_job", "New", "job: new", "Create a job with the wizard"),
    Command("job.inspect", "enter", "inspect", "Inspect", "job: inspect", "Open the job inspector"),
    *job_commands(marked=True),
    Command("job.clone", "C", "clone_job", "Clone", "job: clone into the wizard",
            "Open the wizard filled in from this job, to edit and run it again", show=False),
    Command("job.delete", "d", "delete_jobs", "Delete", "job: delete",
            "Delete the job (marked jobs too) and its staging files, after confirmation; written reports stay",
            show=False),
    Command("jobs.filter", "slash", "filter", "Filter", "jobs: filter", "Show only jobs matching some text"),
    Command("jobs.status", "f", "cycle_status", "Status", "jobs: filter by status",
            "Show only running, waiting, failed or finished jobs (cycles)", show=False),
    Command("jobs.hide_finished", "h", "toggle_finished", "Hide done", "jobs: hide finished",
            "Hide or show the jobs that ended", show=False),
    Command("jobs.sort", "s", "cycle_sort", "Sort", "jobs: cycle sort",
            "Sort by newest, status (needs attention first), priority, progress", show=False),
    Command("jobs.mark", "space", "mark", "Mark", "jobs: mark", "Mark the job so pause/resume, cancel, "
            "priority and delete apply to all marked"),
    Command("jobs.mark_all", "a", "mark_all", "Mark all", "jobs: mark all", "Mark every job shown", show=False),
    Command("jobs.clear", "escape,u", "clear", "Clear", "jobs: clear marks and filters",
            "Clear the marks, then the filters", show=False),
    Command("jobs.down", "j", "cursor_down", "Down", "jobs: next", "Move down", show=False),
    Command("jobs.up", "k", "cursor_up", "Up", "jobs: previous", "Move up", show=False),
    Command("jobs.top", "g,home", "cursor_top", "Top", "jobs: first", "Go to the first job", show=False),
    Command("jobs.bottom", "G,end", "cursor_bottom", "Bottom", "jobs: last", "Go to the last job", show=False),
    Command("app.backend", "b", "switch_backend", "Backend", "backend: switch",
            "Switch between the local store and the S3 Control backend of --backend aws (AWS, or serve)",
            show=False),
    Command("report.open_any", "O", "open_any_report", "Open report…", "report: open by path or URI",
            "Open any report, ours or AWS's, by path or s3:// URI", show=False),
)  # fmt: skip
STATUS_FILTERS: dict[str, frozenset[JobStatus] | None] = {
    "all": None,
    "running": frozenset({S.PREPARING, S.READY, S.ACTIVE, S.PAUSING, S.CANCELLING, S.COMPLETING, S.FAILING}),
    "waiting": frozenset({S.NEW, S.SUSPENDED, S.PAUSED}),
    "failed": frozenset({S.FAILED, S.FAILING}),
    "finished": frozenset({S.COMPLETE, S.CANCELLED, S.FAILED}),
}
"""The status filter's choices, in the order `f` cycles through them."""
MARKED_ACTIONS = frozenset({"pause_resume", "cancel", "priority", "delete_jobs"})


class JobsScreen(JobActionsMixin, HandoverMixin, Screen):
    """Every job in the store, newest first, updated live."""

    COMMANDS_LIST = COMMANDS
    BINDINGS = bindings(COMMANDS)

    def __init__(self) -> None:
        super().__init__()
        self.sort = SORTS[0]
        self.filter_text = ""
        self.status_filter = "all"
        self.hide_finished = False
        self.marked: set[str] = set()
        self._keys_for: tuple | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="jobs-body"):
            yield JobTable(id="jobs")
            yield Static("", id="jobs-empty")
        with Vertical(id="jobs-bottom"):
            yield Input(placeholder="filter jobs: id, description, operation or status (esc clears)", id="jobs-filter")
            yield Static("", id="jobs-status-line")
        yield AppFooter()

    def on_mount(self) -> None:
        self.query_one("#jobs-filter").display = False
        self.refresh_jobs()

    # --- showing ------------------------------------------------------------------------

    @property
    def table(self) -> JobTable:
        """The jobs table."""
        return self.query_one(JobTable)

    def shown(self, record: JobRecord) -> bool:
        """Whether the filters let a job through."""
        statuses = STATUS_FILTERS[self.status_filter]
        return (
            matches(record, self.filter_text)
            and (statuses is None or record.status in statuses)
            and not (self.hide_finished and record.status.is_terminal)
        )

    def refresh_jobs(self) -> None:
        """Show the app's latest snapshot (called on every store poll)."""
        if not (self.is_attached and self.app.is_running):  # the app is closing: the table may be gone
            return
        records = [r for r in self.app.jobs.values() if self.shown(r)]
        self.marked &= set(self.app.jobs)  # deleted jobs cannot stay marked
        colours = self.app.theme_variables
        rows = [
            (r.id, job_row(r, self.app.rates_by_job.get(r.id, 0.0), r.id in self.marked, colours))
            for r in sort_records(records, self.sort)
        ]
        self.table.show(rows, self.sort)
        if self.app.pending_selection and self.table.select(self.app.pending_selection):
            self.app.pending_selection = None
        filtered = self.filter_text or self.status_filter != "all" or self.hide_finished
        empty = self.query_one("#jobs-empty", Static)
        empty.display = not rows
        if not rows:
            empty.update(self._empty_text(filtered))
        self.query_one("#jobs-status-line", Static).update(self._status_line(len(rows)))
        self._refresh_keys()

    def _empty_text(self, filtered: bool) -> str:
        """Why the table is empty: filters, an S3 Control backend not answering (yet), or no jobs."""
        if filtered:
            return "No jobs match the filters (esc clears them)."
        refresh = self.app.refresh_state
        if self.app.actions is self.app.local:
            return ("No jobs yet. Press [b]n[/b] to create one, or run [b]s3batch-tui demo[/b] to try it on "
                    "sample data.")  # fmt: skip
        if refresh is not None and refresh.problem:
            return f"No answer from {self.app.actions.label}: {refresh.describe(self.app.refresher.clock())}."
        if refresh is None or not refresh.listed:
            return f"Listing the jobs of {self.app.actions.label}…"
        return f"No jobs on {self.app.actions.label}. Press [b]b[/b] for the local store."

    def _status_line(self, count: int) -> str:
        parts = [plural(count, "job") + (f" of {len(self.app.jobs)}" if count != len(self.app.jobs) else ""),
                 f"sort: {self.sort}"]  # fmt: skip
        if self.status_filter != "all":
            parts.append(f"status: {self.status_filter}")
        if self.hide_finished:
            parts.append("finished hidden")
        if self.filter_text:
            parts.append(f"filter: {self.filter_text!r}")
        if self.marked:
            parts.append(f"{len(self.marked)} marked (p, c, +/-, d act on them; esc clears)")
        refresh = self.app.refresh_state
        if refresh is not None and refresh.problem:
            parts.append(refresh.describe(self.app.refresher.clock()))
        return " · ".join(parts)

    def _refresh_keys(self) -> None:
        """The footer shows only the keys that apply to the selected (or marked) jobs."""
        key = tuple((r.id, r.status, r.failed > 0, bool(r.report_location)) for r in self._targets()) + (
            self.table.selected_job, frozenset(self.marked))  # fmt: skip
        if key != self._keys_for:
            self._keys_for = key
            self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Job keys that do not apply to the selected job (or any marked one) are hidden and do nothing.

        A key the backend cannot do at all (pause on AWS) still shows where it would apply,
        and says why not when pressed.
        """
        jobs = self._targets() if action in MARKED_ACTIONS else [j for j in [self._selected()] if j]
        if action in ("delete_jobs", "clone_job"):  # the store's own: its history, the spec it keeps
            return any(isinstance(job, JobRecord) and (action == "clone_job" or _deletable(job)) for job in jobs)
        return applies_to(action, jobs)

    def on_data_table_row_highlighted(self) -> None:
        self._refresh_keys()

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

    def action_switch_backend(self) -> None:
        self.app.switch_backend("aws" if self.app.actions is self.app.local else "local")

    def backend_changed(self) -> None:
        """Another backend's jobs: the marks were of the old one."""
        self.marked.clear()
        self.refresh_jobs()

    def action_new_job(self) -> None:
        self.app.open_wizard()

    def action_clone_job(self) -> None:
        if (job := self._selected()) is not None:
            self.app.open_wizard(job.spec)

    def action_inspect(self) -> None:
        if (job := self._selected()) is not None:
            self.app.open_inspector(job.id)

    @on(JobTable.RowSelected)
    def _row_chosen(self, event: JobTable.RowSelected) -> None:
        self.app.open_inspector(event.row_key.value)

    def _cancel_confirmed(self) -> None:
        self.marked.clear()

    def action_delete_jobs(self) -> None:
        jobs = [j for j in self._targets() if _deletable(j)]
        if not jobs:
            return
        names = ", ".join(f"{j.id[:8]} ({j.description or j.operation})" for j in jobs[:3])
        more = f" and {len(jobs) - 3} more" if len(jobs) > 3 else ""
        question = (f"Delete {names}{more} from the history?\n\nTheir status history, failures and staging "
                    "files go; reports already written stay where they are.")  # fmt: skip
        label = "Delete job" if len(jobs) == 1 else f"Delete {len(jobs)} jobs"

        def delete_if_confirmed(confirmed: bool | None) -> None:
            if confirmed:
                self.marked.clear()
                self._delete([j.id for j in jobs])

        self.app.push_screen(ConfirmScreen(label, question, label), delete_if_confirmed)

    @work(thread=True, exit_on_error=False, group="job-actions")
    def _delete(self, job_ids: list[str]) -> None:
        deleted = 0
        for job_id in job_ids:
            try:
                history.delete_job(self.app.store, self.app.settings, job_id)
                deleted += 1
            except (JobStateError, JobNotFound) as exc:
                self.app.notify(toast_text(str(exc)), severity="warning")
        if deleted:
            self.app.notify(f"Deleted {plural(deleted, 'job')}" if deleted > 1 else f"Deleted job {job_ids[0][:8]}")
        self.app.poll_now()

    def action_mark(self) -> None:
        job_id = self.table.selected_job
        if job_id:
            self.marked ^= {job_id}
            self.refresh_jobs()
            self.table.action_cursor_down()

    def action_mark_all(self) -> None:
        self.marked = {r.id for r in self.app.jobs.values() if self.shown(r)}
        self.refresh_jobs()

    def action_clear(self) -> None:
        """esc: close the filter box, else clear the marks, else the filters."""
        box = self.query_one("#jobs-filter", Input)
        if box.display:
            box.value = ""
            box.display = False
            self.table.focus()
        elif self.marked:
            self.marked.clear()
        else:
            self.filter_text, self.status_filter, self.hide_finished = "", "all", False
        self.refresh_jobs()

    def action_cycle_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self.refresh_jobs()

    def action_cycle_status(self) -> None:
        names = list(STATUS_FILTERS)
        self.status_filter = names[(names.index(self.status_filter) + 1) % len(names)]
        self.refresh_jobs()

    def action_toggle_finished(self) -> None:
        self.hide_finished = not self.hide_finished
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

    def action_cursor_top(self) -> None:
        self.table.move_cursor(row=0)

    def action_cursor_bottom(self) -> None:
        self.table.move_cursor(row=max(self.table.row_count - 1, 0))

    @on(Input.Changed, "#jobs-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value
        self.refresh_jobs()

    @on(Input.Submitted, "#jobs-filter")
    def _filter_done(self) -> None:
        self.table.focus()


def _deletable(record: JobRecord) -> bool:
    """Ended jobs, and New or Paused ones (the store refuses any a runner still holds)."""
    return record.status.is_terminal or record.status in (S.NEW, S.PAUSED)


def interrupted(records: list[JobRecord]) -> list[JobRecord]:
    """Jobs paused by quitting or by a dead process (not by the user): offered for resuming at start-up."""
    return [r for r in records if r.status == JobStatus.PAUSED
            and any(word in (r.status_reason or "") for word in ("exited", "interrupted"))]  # fmt: skip
