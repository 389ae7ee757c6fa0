"""The App: bindings, screens and wiring. Behaviour lives on the screens and in the core."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from pathlib import Path

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import get_current_worker

from s3batch_tui.core.backends.base import Backend
from s3batch_tui.core.backends.connect import TOKEN_DIR, ControlSettings, connect
from s3batch_tui.core.backends.local import LocalBackend
from s3batch_tui.core.backends.refresh import RATE, Refresher, RefreshState
from s3batch_tui.core.backends.view import JobView
from s3batch_tui.core.browse import LazyClient
from s3batch_tui.core.errors import JobNotFound, JobStateError
from s3batch_tui.core.formatting import RateTracker
from s3batch_tui.core.launcher import Launcher
from s3batch_tui.core.s3 import AwsSettings, credentials_available
from s3batch_tui.core.start_failure import reap_failed_starts
from s3batch_tui.core.status import JobStatus
from s3batch_tui.core.store import JobRecord, Store
from s3batch_tui.settings import Settings
from s3batch_tui.tui.messages import BackendConnected, JobCreated, JobsLoaded
from s3batch_tui.tui.screens.help import HelpScreen
from s3batch_tui.tui.screens.jobs import JobsScreen, interrupted
from s3batch_tui.tui.screens.quit import QuitScreen, ResumeScreen

"""Under the data dir, as for the CLI: ClientRequestTokens of S3 Control requests made without a job file."""
RUNNING = frozenset({JobStatus.PREPARING, JobStatus.READY, JobStatus.ACTIVE, JobStatus.PAUSING,
                     JobStatus.CANCELLING, JobStatus.COMPLETING, JobStatus.FAILING})  # fmt: skip
"""Statuses in which some runner works on the job (ours, or one from another session)."""


def status_notice(record: JobRecord) -> tuple[str, str] | None:
    """(what happened, severity) for a toast when a job reaches `record.status`, or None."""
    name = f"Job {record.id[:8]} ({record.description or record.operation})"
    status = record.status
    if status == JobStatus.COMPLETE and record.failed:
        return f"{name} completed with {record.failed:,} failed: o opens the report, R retries them", "warning"
    if status == JobStatus.COMPLETE:
        return f"{name} completed", "information"
    if status == JobStatus.FAILED:
        reasons = "; ".join(r.get("FailureReason", "") for r in record.failure_reasons) or record.status_reason
        return f"{name} failed" + (f": {reasons}" if reasons else ""), "error"
    if status == JobStatus.SUSPENDED:
        return f"{name} needs confirmation: select it and press y", "warning"
    if status == JobStatus.CANCELLED:
        return f"{name} was cancelled", "warning"
    return None


class S3BatchApp(App):
    """s3batch-tui: create, watch, steer and audit S3 Batch Operations jobs."""

    TITLE = "s3batch-tui"
    CSS_PATH = Path(__file__).parent / "styles" / "app.tcss"
    BINDINGS = [
        Binding("question_mark,f1", "help", "Help", id="app.help", tooltip="Show every key of this screen"),
    ]

    def __init__(self, settings: Settings, aws: AwsSettings | None = None, *, poll_interval: float = 0.25,
                 check_credentials: bool = True, clock=time.time, offer_resume: bool = True,
                 ephemeral: bool = False, control: ControlSettings | None = None, start_on_control: bool = False,
                 refresh_rate: float = RATE) -> None:  # fmt: skip
        super().__init__()
        self.settings = settings
        self.aws = aws or AwsSettings()
        self.store = Store(settings.db_path, clock=clock)
        self.launcher = Launcher(settings, self.aws)
        self.s3 = LazyClient(self.aws)  # one S3 client for every screen, made on first use (in a worker)
        self.local = LocalBackend(self.store, settings, self.launcher)
        self.actions: Backend = self.local
        """The backend in use: every job action goes to it."""
        self.control = control
        """How to reach the S3 Control backend the flags named (None: only the local one)."""
        self.start_on_control = start_on_control and control is not None
        self.refresh_rate = refresh_rate
        self.refresher: Refresher | None = None
        """Keeps the S3 Control backend's jobs fresh while it is in use."""
        self.refresh_state: RefreshState | None = None
        self.jobs: dict[str, JobRecord | JobView] = {}
        """The jobs of the backend in use, as of its last read."""
        self.rates_by_job: dict[str, float] = {}
        self.poll_interval = poll_interval
        self.check_credentials = check_credentials
        self._rates = RateTracker()
        self._poll_wakeup = threading.Event()
        self._first_load = True
        self.files_root: Path | None = None  # where the wizard's file picker starts (default: cwd)
        self.offer_resume = offer_resume
        self.ephemeral = ephemeral
        """The demo: its S3 server and data go away when the app quits, so jobs cannot keep running."""
        self.pending_selection: str | None = None
        """A job created here that the jobs table should select once it shows it."""

    def on_mount(self) -> None:
        self.push_screen(JobsScreen())
        if self.control is not None:
            self.sub_title = self.actions.label  # with two backends, the header says which one is shown
        if self.start_on_control:
            self.switch_backend("aws")
        else:
            self._poll_store()
        if self.check_credentials:
            self._check_credentials()

    # --- the store, polled off the UI thread ------------------------------------------------

    @work(thread=True, exclusive=True, group="store-poll", exit_on_error=False)
    def _poll_store(self) -> None:
        """Read every job every `poll_interval` seconds (any process may have changed them)."""
        worker = get_current_worker()
        failing = False
        while not worker.is_cancelled:
            try:
                self.store.reap_orphans()
                reap_failed_starts(self.store, self.launcher)
                self.post_message(JobsLoaded(self.store.list()))
                failing = False
            except Exception as exc:  # noqa: BLE001 - one failed read must not freeze the table for good
                if not failing:  # said once per spell of failures, not 4 times a second
                    self.notify(f"Cannot read the job store: {exc}; trying again", severity="error", timeout=10)
                failing = True
            self._poll_wakeup.wait(self.poll_interval)
            self._poll_wakeup.clear()

    def poll_now(self) -> None:
        """Read the jobs again without waiting for the next tick (thread-safe).

        On an S3 Control backend this is one ListJobs, counted against the refresh budget
        together with the action that asked for it.
        """
        if self.refresher is not None:
            self.refresher.spend()
            self.refresher.list_soon()
        self._poll_wakeup.set()

    # --- the backends ------------------------------------------------------------------------

    def switch_backend(self, name: str) -> None:
        """Use the local store (`local`) or the S3 Control backend of the flags (`aws`)."""
        if name == "local":
            self.on_backend_connected(BackendConnected(self.local))
        elif self.control is None:
            self.notify("No S3 Control backend: start with --backend aws --account-id ID "
                        "[--control-endpoint URL] [--profile P] [--region R]", severity="warning", timeout=10)  # fmt: skip
        else:
            self.notify(f"Connecting to {self.control.label}…")
            self._connect_control(self.control)

    @work(thread=True, exclusive=True, group="connect", exit_on_error=False)
    def _connect_control(self, settings: ControlSettings) -> None:
        try:  # one attempt per request: the refresher backs off itself, within its budget
            backend = connect(settings, attempts=1, s3_client=self.s3(), token_dir=self.settings.data_dir / TOKEN_DIR,
                              store=self.store)
            self.post_message(BackendConnected(backend))
        except Exception as exc:  # noqa: BLE001 - e.g. no credentials, STS refused: said, and the TUI stays usable
            self.notify(f"Cannot use {settings.label}: {exc}", severity="error", timeout=15)

    def on_backend_connected(self, message: BackendConnected) -> None:
        """Show the jobs of `message.backend` from now on."""
        self.actions = message.backend
        self.sub_title = message.backend.label
        self._poll_wakeup.set()  # the previous backend's reader ends now, not at its next tick
        self.jobs, self.rates_by_job, self.refresh_state = {}, {}, None
        if message.backend is self.local:
            self.refresher = None
            self._poll_store()
        else:
            self.refresher = Refresher(message.backend, rate=self.refresh_rate)
            self._poll_control(self.refresher)
        for screen in self.screen_stack:
            if screen.is_attached and hasattr(screen, "backend_changed"):
                screen.backend_changed()

    @work(thread=True, exclusive=True, group="store-poll", exit_on_error=False)
    def _poll_control(self, refresher: Refresher) -> None:
        """Refresh the S3 Control backend's jobs within the request budget, until another backend is chosen."""
        worker = get_current_worker()
        shown: tuple | None = None
        while not worker.is_cancelled:
            wait = refresher.step()
            # A new answer, or a new second of a back-off's countdown: worth a redraw; nothing else is.
            news = (refresher.sent, refresher.state, int(wait) if refresher.state.problem else 0)
            if news != shown:
                shown = news
                self.post_message(JobsLoaded(list(refresher.jobs.values()), refresher.state))
            self._poll_wakeup.wait(min(wait, 1.0))
            self._poll_wakeup.clear()

    def on_jobs_loaded(self, message: JobsLoaded) -> None:
        if (message.refresh is None) != (self.refresher is None):
            return  # read from the backend used before the switch
        self.refresh_state = message.refresh
        previous = self.jobs
        self.jobs = {record.id: record for record in message.records}
        self.rates_by_job = self._rates.observe_jobs(message.records)
        for record in message.records:
            old = previous.get(record.id)
            if old is not None and old.status != record.status and (notice := status_notice(record)):
                self.notify(notice[0], severity=notice[1], timeout=10 if notice[1] == "error" else 5)
        if self._first_load and self.actions is self.local:
            self._first_load = False
            stopped = interrupted(message.records)
            if stopped and self.offer_resume:
                self.push_screen(ResumeScreen(stopped), self._resume_chosen)
        if not self.is_running:
            return  # shutting down: the screens' widgets may already be gone
        with self.batch_update():
            for screen in self.screen_stack:
                if screen.is_attached and hasattr(screen, "refresh_jobs"):
                    screen.refresh_jobs()

    @work(thread=True, exit_on_error=False)
    def _check_credentials(self) -> None:
        if not credentials_available(self.aws):
            self.notify(
                "No AWS credentials found. Set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY "
                "(and AWS_ENDPOINT_URL for other S3 servers), or try `s3batch-tui demo` to explore with sample data.",
                title="No credentials", severity="warning", timeout=15,
            )  # fmt: skip

    # --- navigation ------------------------------------------------------------------------

    def open_inspector(self, job_id: str) -> None:
        """Show the inspector of a job."""
        if isinstance(self.jobs.get(job_id), JobView):  # no store history: what DescribeJob tells
            from s3batch_tui.tui.screens.control_inspector import ControlInspectorScreen

            self.push_screen(ControlInspectorScreen(job_id))
            return
        from s3batch_tui.tui.screens.inspector import InspectorScreen

        self.push_screen(InspectorScreen(job_id))

    def open_report(self, location: str) -> None:
        """Show a report (ours or AWS's)."""
        from s3batch_tui.tui.screens.report import ReportScreen

        self.push_screen(ReportScreen(location))

    def open_wizard(self, spec=None) -> None:
        """Start the new-job wizard (filled in from `spec`, a JobSpec, to clone a job)."""
        from s3batch_tui.tui.screens.wizard import start_wizard

        start_wizard(self, self.files_root, spec)

    def action_help(self) -> None:
        screen = self.screen
        commands = getattr(screen, "COMMANDS_LIST", ())
        self.push_screen(HelpScreen(screen.__class__.__name__.removesuffix("Screen"), commands))

    def _resume_chosen(self, job_ids: list[str] | None) -> None:
        for job_id in job_ids or ():
            self.resume_in_background(job_id)

    @work(thread=True, exit_on_error=False, group="job-actions")
    def resume_in_background(self, job_id: str) -> None:
        """Resume one paused job (a runner starts for it)."""
        try:
            self.local.pause_or_resume(job_id)
        except (JobStateError, JobNotFound) as exc:
            self.notify(str(exc), severity="warning")
            return
        self.notify(f"Resumed job {job_id[:8]}")
        self.poll_now()

    def on_job_created(self, message: JobCreated) -> None:
        """Put the jobs table's cursor on a job created here, once the poll shows it."""
        self.pending_selection = message.job_id
        self.poll_now()

    def running_jobs(self) -> list[str]:
        """Jobs some runner on this machine works on now: ours, and any a runner from an earlier session still runs.

        An S3 Control backend's jobs run on its side whatever the TUI does, so they do not count.
        """
        local = self.jobs.values() if self.actions is self.local else ()
        return sorted(set(self.launcher.alive()) | {r.id for r in local if r.status in RUNNING})

    async def action_quit(self) -> None:
        """Every quit path (ctrl+q, the palette's Quit, q) asks first while jobs run."""
        self.action_quit_app()

    def action_quit_app(self) -> None:
        """Quit, asking first what happens to jobs that still run."""
        if isinstance(self.screen, QuitScreen):
            return
        running = self.running_jobs()
        if not running:
            self.exit()
            return

        def decide(choice: str | None) -> None:
            if choice == "pause":
                self._pause_then_exit(running)
            elif choice == "keep":
                self.exit()

        self.push_screen(QuitScreen(len(running), keep_possible=not self.ephemeral), decide)

    @work(thread=True, exit_on_error=False)
    def _pause_then_exit(self, running: list[str]) -> None:
        """Pause every running job where it stands (ours by signal, others by request), then exit."""
        ours = set(self.launcher.alive())
        for job_id in set(running) - ours:
            try:
                self.local.pause(job_id)
            except (JobStateError, JobNotFound):
                pass  # it ended meanwhile: nothing to pause
        self.launcher.stop_all()
        self.call_from_thread(self.exit)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The palette: every command of the current screen (`job: cancel`), then the app's."""
        for command in getattr(screen, "COMMANDS_LIST", ()):
            yield SystemCommand(command.title, command.help, lambda c=command: screen.run_action(c.action))
        yield SystemCommand("backend: local", "Show and steer the jobs of the local store",
                            lambda: self.switch_backend("local"))  # fmt: skip
        if self.control is not None:
            yield SystemCommand(f"backend: {self.control.label}", "Show and steer the jobs of the S3 Control "
                                "backend (AWS S3 Batch Operations, or s3batch-tui serve)",
                                lambda: self.switch_backend("aws"))  # fmt: skip
        yield from super().get_system_commands(screen)


def build_app(settings: Settings, aws: AwsSettings | None = None, **options) -> S3BatchApp:
    """The one factory used by the CLI, the Pilot tests and the snapshot app."""
    return S3BatchApp(settings, aws, **options)
