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

from s3batch_tui.core.backends.local import LocalBackend
from s3batch_tui.core.browse import LazyClient
from s3batch_tui.core.formatting import RateTracker
from s3batch_tui.core.launcher import Launcher
from s3batch_tui.core.s3 import AwsSettings, credentials_available
from s3batch_tui.core.start_failure import reap_failed_starts
from s3batch_tui.core.status import JobStatus
from s3batch_tui.core.store import JobRecord, Store
from s3batch_tui.settings import Settings
from s3batch_tui.tui.messages import JobsLoaded
from s3batch_tui.tui.screens.help import HelpScreen
from s3batch_tui.tui.screens.jobs import JobsScreen, interrupted
from s3batch_tui.tui.screens.quit import QuitScreen

NOTIFY_ON = {
    JobStatus.COMPLETE: ("completed", "information"),
    JobStatus.FAILED: ("failed", "error"),
    JobStatus.SUSPENDED: ("needs confirmation: press y", "warning"),
    JobStatus.CANCELLED: ("was cancelled", "warning"),
}


class S3BatchApp(App):
    """s3batch-tui: create, watch, steer and audit S3 Batch Operations jobs."""

    TITLE = "s3batch-tui"
    CSS_PATH = Path(__file__).parent / "styles" / "app.tcss"
    BINDINGS = [
        Binding("question_mark,f1", "help", "Help", id="app.help", tooltip="Show every key of this screen"),
    ]

    def __init__(self, settings: Settings, aws: AwsSettings | None = None, *, poll_interval: float = 0.25,
                 check_credentials: bool = True, clock=time.time) -> None:  # fmt: skip
        super().__init__()
        self.settings = settings
        self.aws = aws or AwsSettings()
        self.store = Store(settings.db_path, clock=clock)
        self.launcher = Launcher(settings, self.aws)
        self.s3 = LazyClient(self.aws)  # one S3 client for every screen, made on first use (in a worker)
        self.actions = LocalBackend(self.store, settings, self.launcher)
        self.jobs: dict[str, JobRecord] = {}
        self.rates_by_job: dict[str, float] = {}
        self.poll_interval = poll_interval
        self.check_credentials = check_credentials
        self._rates = RateTracker()
        self._poll_wakeup = threading.Event()
        self._first_load = True
        self.files_root: Path | None = None  # where the wizard's file picker starts (default: cwd)

    def on_mount(self) -> None:
        self.push_screen(JobsScreen())
        self._poll_store()
        if self.check_credentials:
            self._check_credentials()

    # --- the store, polled off the UI thread ------------------------------------------------

    @work(thread=True, exclusive=True, group="store-poll", exit_on_error=False)
    def _poll_store(self) -> None:
        """Read every job every `poll_interval` seconds (any process may have changed them)."""
        worker = get_current_worker()
        while not worker.is_cancelled:
            self.store.reap_orphans()
            reap_failed_starts(self.store, self.launcher)
            self.post_message(JobsLoaded(self.store.list()))
            self._poll_wakeup.wait(self.poll_interval)
            self._poll_wakeup.clear()

    def poll_now(self) -> None:
        """Read the store again without waiting for the next tick (thread-safe)."""
        self._poll_wakeup.set()

    def on_jobs_loaded(self, message: JobsLoaded) -> None:
        previous = self.jobs
        self.jobs = {record.id: record for record in message.records}
        for record in message.records:
            if record.status.is_terminal or record.status == JobStatus.PAUSED:
                self._rates.forget(record.id)
                self.rates_by_job.pop(record.id, None)
            else:
                self.rates_by_job[record.id] = self._rates.observe(record.id, record.succeeded + record.failed)
            old = previous.get(record.id)
            if old is not None and old.status != record.status and record.status in NOTIFY_ON:
                verb, severity = NOTIFY_ON[record.status]
                why = f": {record.status_reason}" if record.status == JobStatus.FAILED and record.status_reason else ""
                self.notify(f"Job {record.id[:8]} ({record.description or record.operation}) {verb}{why}",
                            severity=severity)  # fmt: skip
        if self._first_load:
            self._first_load = False
            stopped = interrupted(message.records)
            if stopped:
                self.notify(f"{len(stopped)} job(s) were interrupted when their process exited; "
                            "select one and press p to resume it.", severity="warning", timeout=10)  # fmt: skip
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
        from s3batch_tui.tui.screens.inspector import InspectorScreen

        self.push_screen(InspectorScreen(job_id))

    def open_report(self, location: str) -> None:
        """Show a report (ours or AWS's)."""
        from s3batch_tui.tui.screens.report import ReportScreen

        self.push_screen(ReportScreen(location))

    def open_wizard(self) -> None:
        """Start the new-job wizard."""
        from s3batch_tui.tui.screens.wizard import start_wizard

        start_wizard(self, self.files_root)

    def action_help(self) -> None:
        screen = self.screen
        commands = getattr(screen, "COMMANDS_LIST", ())
        self.push_screen(HelpScreen(screen.__class__.__name__.removesuffix("Screen"), commands))

    def action_quit_app(self) -> None:
        """Quit from the top screen, asking what happens to jobs our runners still run."""
        running = self.launcher.alive()
        if not running:
            self.exit()
            return

        def decide(choice: str | None) -> None:
            if choice == "pause":
                self._pause_then_exit()
            elif choice == "keep":
                self.exit()

        self.push_screen(QuitScreen(len(running)), decide)

    @work(thread=True, exit_on_error=False)
    def _pause_then_exit(self) -> None:
        """Interrupt our runners: each pauses its job where it stands and exits."""
        self.launcher.stop_all()
        self.call_from_thread(self.exit)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The palette: every command of the current screen (`job: cancel`), then the app's."""
        for command in getattr(screen, "COMMANDS_LIST", ()):
            yield SystemCommand(command.title, command.help, lambda c=command: screen.run_action(c.action))
        yield from super().get_system_commands(screen)


def build_app(settings: Settings, aws: AwsSettings | None = None, **options) -> S3BatchApp:
    """The one factory used by the CLI, the Pilot tests and the snapshot app."""
    return S3BatchApp(settings, aws, **options)
