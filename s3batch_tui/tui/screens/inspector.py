"""The job inspector: one job in words, its progress, throughput, history and failures."""

from __future__ import annotations

import time
from collections import deque

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Header, Label, Sparkline, Static

from s3batch_tui.core.explain import decoded_key, describe_spec
from s3batch_tui.core.formatting import escape_invisible, eta_seconds, format_count, format_duration
from s3batch_tui.core.status import JobStatus
from s3batch_tui.core.store import FailureRow, JobRecord
from s3batch_tui.tui.commands import Command, bindings
from s3batch_tui.tui.handover import HandoverMixin
from s3batch_tui.tui.job_actions import AVAILABLE, JobActionsMixin, job_commands
from s3batch_tui.tui.widgets.job_table import STATUS_COLOURS, progress_bar
from s3batch_tui.tui.widgets.report_view import shorten
from s3batch_tui.tui.widgets.footer import AppFooter

COMMANDS = (
    *job_commands(),
    Command("inspector.back", "escape", "back", "Back", "inspector: back", "Back to the jobs table"),
)
S = JobStatus
TASKS_MAY_FINISH = frozenset({S.ACTIVE, S.PAUSING, S.CANCELLING, S.COMPLETING, S.FAILING})
"""Statuses in which tasks can still finish: throughput is sampled only then."""
SAMPLE_SECONDS = 1.0
WINDOW_SAMPLES = 120
"""Throughput samples kept: one a second, about two minutes."""
RELOAD_SECONDS = 1.0
"""At most one history/failures read a second, however fast the job moves."""
FAILURE_LIMIT = 20
KEY_WIDTH = 40
VERSION_WIDTH = 10
"""Keys and version ids are cut (in the middle, and at the end) so the message column stays on screen."""
BAR_WIDTH = 30
DANGER_WORDS = ("DESTRUCTIVE", "PUBLIC", "COMPLIANCE")


class DetailsLoaded(Message):
    """What the store holds about one job beyond its record, read by a worker thread."""

    def __init__(self, job_id: str, history: list[tuple[JobStatus, float, str | None]],
                 error_counts: dict[str, int], failures: list[FailureRow]) -> None:  # fmt: skip
        super().__init__()
        self.job_id = job_id
        self.history = history
        self.error_counts = error_counts
        self.failures = failures

    def can_replace(self, message: Message) -> bool:
        """A newer read of the same job makes an older, unhandled one pointless."""
        return isinstance(message, DetailsLoaded) and message.job_id == self.job_id


def status_content(status: JobStatus) -> Content:
    """`● Active` in the status's theme colour."""
    colour = STATUS_COLOURS.get(status)
    return Content.styled(f"● {status.value}", f"bold ${colour}" if colour else "bold")


def clock_time(at: float) -> str:
    """A local date and time, to the second."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(at))


def history_content(history: list[tuple[JobStatus, float, str | None]], now: float) -> Content:
    """One line per status: when it began, the status, how long it lasted; reasons below."""
    lines = []
    for index, (status, at, reason) in enumerate(history):
        until = history[index + 1][1] if index + 1 < len(history) else (None if status.is_terminal else now)
        lasted = "" if until is None else f" for {format_duration(max(until - at, 0))}"
        line = Content.assemble((clock_time(at), "$text-muted"), "  ", status_content(status), (lasted, "$text-muted"))
        lines.append(line)
        if reason:
            lines.append(Content.styled(f"    {reason}", "italic $text-muted"))
    return Content("\n").join(lines) if lines else Content.styled("Loading…", "$text-muted")


def error_counts_content(counts: dict[str, int]) -> Content:
    """`NoSuchKey  10  83%` per error code, most frequent first."""
    if not counts:
        return Content.styled("No failed tasks.", "$text-muted")
    width = max(len(code) for code in counts)
    count_width = max(len(f"{count:,}") for count in counts.values())
    total = sum(counts.values())
    lines = [Content.assemble((code.ljust(width), "bold $error"), f"  {count:>{count_width},}",
                              (f"  {count / total:4.0%}", "$text-muted"))
             for code, count in counts.items()]  # fmt: skip
    return Content("\n").join(lines)


def progress_content(record: JobRecord, rate: float, bar_width: int = BAR_WIDTH) -> Content:
    """The bar, the counts, and rate, ETA and active time."""
    done = record.succeeded + record.failed
    total = record.total_tasks
    bar = "total not known yet" if total is None else progress_bar(done, total, bar_width)
    eta = format_duration(eta_seconds(total, done, rate)) if rate > 0 else "–"
    return Content("\n").join([
        Content.styled(bar, "$primary"),
        Content.assemble((format_count(record.succeeded), "bold $success"), " succeeded  ",
                         (format_count(record.failed), "bold $error" if record.failed else "bold"), " failed  ",
                         ("of ", "$text-muted"), (format_count(total), "bold")),
        Content.assemble(("Rate ", "$text-muted"), f"{rate:,.0f}/s" if rate > 0 else "–",
                         ("   ETA ", "$text-muted"), eta,
                         ("   Active ", "$text-muted"), format_duration(record.active_seconds)),
    ])  # fmt: skip


def failure_cells(row: FailureRow) -> tuple[Text, Text, Text, Text]:
    """Key (decoded, with its version), error code, HTTP status, message."""
    key = Text(shorten(escape_invisible(decoded_key(row.raw_key)), KEY_WIDTH, middle=True))
    if row.version_id:  # a version id is long and rarely told apart by more than its start
        key.append(f"  v={shorten(row.version_id, VERSION_WIDTH)}", style="dim")
    return key, Text(row.error_code, style="bold"), Text(str(row.http_status)), Text(escape_invisible(row.message))


class InspectorScreen(JobActionsMixin, HandoverMixin, Screen):
    """Everything about one job, updated live; the job keys act on it."""

    COMMANDS_LIST = COMMANDS
    BINDINGS = bindings(COMMANDS)

    def __init__(self, job_id: str) -> None:
        super().__init__()
        self.job_id = job_id
        self.throughput: deque[float] = deque(maxlen=WINDOW_SAMPLES)
        """Tasks per second, one sample a second while tasks may finish."""
        self.details: DetailsLoaded | None = None
        """The last history/failures read shown."""
        self._last_sample: tuple[float, int] | None = None
        self._shown: JobRecord | None = None
        self._load_key: tuple | None = None
        self._loaded_at = float("-inf")
        self._history_drawn_at: int | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="inspector-title")
        yield Static(id="inspector-reasons")
        with VerticalScroll(id="inspector-body"):
            with Horizontal(id="inspector-top"):
                yield Vertical(id="inspector-spec")
                with Vertical(id="inspector-side"):
                    with Vertical(id="inspector-progress"):
                        yield Static(id="inspector-progress-text")
                        yield Sparkline([], id="inspector-sparkline")
                        yield Static(id="inspector-sparkline-caption")
                    yield Static(id="inspector-history")
            with Horizontal(id="inspector-bottom"):
                yield Static(id="inspector-errors")
                yield DataTable(id="inspector-failures", cursor_type="row", zebra_stripes=True)
        yield AppFooter()

    def on_mount(self) -> None:
        self.sub_title = f"Job {self.job_id[:8]}"
        for selector, title in (("#inspector-spec", "What it does"), ("#inspector-progress", "Progress"),
                                ("#inspector-history", "Status history"), ("#inspector-errors", "By error code"),
                                ("#inspector-failures", "Most recent failures")):  # fmt: skip
            self.query_one(selector).border_title = title
        table = self.query_one("#inspector-failures", DataTable)
        for label, key in (("Key", "key"), ("Error code", "code"), ("HTTP", "http"), ("Message", "message")):
            table.add_column(label, key=key)
        self.refresh_jobs()

    # --- showing ------------------------------------------------------------------------

    @property
    def record(self) -> JobRecord | None:
        """The job as of the app's latest store poll."""
        return self.app.jobs.get(self.job_id)

    def refresh_jobs(self) -> None:
        """Called on every store poll: sample throughput, redraw what changed, reload details."""
        if not (self.is_mounted and self.is_attached and self.app.is_running):  # composing, or closing
            return
        record = self.record
        if record is None:
            self.query_one("#inspector-title", Static).update(f"Job {self.job_id[:8]} is not in the store.")
            return
        if self._sample(record) or self._shown is None:
            self._show_throughput()
        if self._shown is None:
            self._show_spec(record)
        if record != self._shown:
            self._show_title(record)
        self._show_progress(record)
        self._show_history()
        self._shown = record
        key = (record.status, record.succeeded, record.failed, record.report_location, record.status_reason)
        now = time.monotonic()
        if key != self._load_key and now - self._loaded_at >= RELOAD_SECONDS:
            self._load_key, self._loaded_at = key, now
            self._load_details(self.job_id)

    def _sample(self, record: JobRecord) -> bool:
        """One tasks/s sample a second while tasks may finish; True when one was taken."""
        now, done = time.monotonic(), record.succeeded + record.failed
        if record.status not in TASKS_MAY_FINISH:
            self._last_sample = None
            return False
        if self._last_sample is None:
            self._last_sample = (now, done)
            return False
        then, done_then = self._last_sample
        if now - then < SAMPLE_SECONDS:
            return False
        self.throughput.append(max(done - done_then, 0) / (now - then))
        self._last_sample = (now, done)
        return True

    def _show_spec(self, record: JobRecord) -> None:
        rows = []
        for label, sentence in describe_spec(record.spec):
            if label == "Priority":
                continue  # the title shows the live priority; the spec's is only where it started
            danger = any(word in sentence for word in DANGER_WORDS)
            rows.append(Horizontal(Label(label, classes="spec-label"),
                                   Static(Content(sentence), classes="spec-text" + (" -danger" if danger else "")),
                                   classes="spec-row"))  # fmt: skip
        self.query_one("#inspector-spec", Vertical).mount_all(rows)

    def _show_title(self, record: JobRecord) -> None:
        title = Content.assemble(
            (f" {record.id[:8]} ", "bold reverse"), "  ", (record.description or "(no description)", "bold"), "  ",
            status_content(record.status),
            (f"   {record.operation} · priority {record.priority} · created {clock_time(record.created_at)}",
             "$text-muted"),
        )  # fmt: skip
        self.query_one("#inspector-title", Static).update(title)
        shown = self._shown
        if shown is None or (shown.status, shown.report_location, shown.failed > 0) != (
            record.status, record.report_location, record.failed > 0
        ):
            self.refresh_bindings()  # the keys that apply depend on these
        lines = []
        if record.status_reason:
            lines.append(Content.styled(record.status_reason, "italic"))
        for reason in record.failure_reasons:
            code, text = reason.get("FailureCode", ""), reason.get("FailureReason", "")
            lines.append(Content.assemble((f"{code}: ", "bold $error"), (text, "$error")))
        if record.report_location:
            lines.append(Content.assemble(("Report: ", "bold"), record.report_location,
                                          ("  (o opens it)", "$text-muted")))  # fmt: skip
        reasons = self.query_one("#inspector-reasons", Static)
        reasons.update(Content("\n").join(lines))
        reasons.display = bool(lines)

    def _show_progress(self, record: JobRecord) -> None:
        rate = self.app.rates_by_job.get(record.id, 0.0) if record.status in TASKS_MAY_FINISH else 0.0
        text = self.query_one("#inspector-progress-text", Static)
        # The bar and its percentage on one line, however narrow the panel is.
        width = min(max(text.content_size.width - 5, 5), BAR_WIDTH) if text.content_size.width else BAR_WIDTH
        text.update(progress_content(record, rate, width))

    def on_resize(self) -> None:
        if self._shown is not None:
            self.call_after_refresh(self._show_progress, self._shown)

    def _show_throughput(self) -> None:
        sparkline = self.query_one("#inspector-sparkline", Sparkline)
        caption = self.query_one("#inspector-sparkline-caption", Static)
        sparkline.display = bool(self.throughput)
        if not self.throughput:
            caption.update(Content.styled("Throughput shows here while tasks run.", "$text-muted"))
            return
        # Zeros on the left keep the time axis fixed: the newest second is always at the right edge.
        sparkline.data = [0.0] * (WINDOW_SAMPLES - len(self.throughput)) + list(self.throughput)
        now, peak = self.throughput[-1], max(self.throughput)
        caption.update(Content.styled(f"now {now:,.0f}/s · peak {peak:,.0f}/s · tasks/s, last 2 min", "$text-muted"))

    def _show_history(self) -> None:
        """Draw the history (again each second: the current status's duration grows)."""
        now = self.app.store.clock()
        if self.details is None or self._history_drawn_at == int(now):
            return
        self._history_drawn_at = int(now)
        self.query_one("#inspector-history", Static).update(history_content(self.details.history, now))

    # --- details, read off the UI thread ------------------------------------------------

    @work(thread=True, exit_on_error=False, exclusive=True, group="inspector-load")
    def _load_details(self, job_id: str) -> None:
        """Read the history, error counts and latest failures; post them."""
        store = self.app.store
        try:
            self.post_message(DetailsLoaded(
                job_id, store.history(job_id), store.error_counts(job_id),
                list(store.failures(job_id, limit=FAILURE_LIMIT, newest_first=True)),
            ))  # fmt: skip
        finally:
            store.close()  # this pool thread's connection

    def on_details_loaded(self, message: DetailsLoaded) -> None:
        if message.job_id != self.job_id or not self.is_attached:
            return
        self.details = message
        self._history_drawn_at = None
        self._show_history()
        self.query_one("#inspector-errors", Static).update(error_counts_content(message.error_counts))
        table = self.query_one("#inspector-failures", DataTable)
        table.clear()
        for row in message.failures:
            table.add_row(*failure_cells(row), key=str(row.ordinal))
        shown = f"latest {len(message.failures)}" if message.failures else "none"
        table.border_title = f"Most recent failures ({shown})"

    # --- actions ------------------------------------------------------------------------

    def _selected(self) -> JobRecord | None:
        return self.record

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide the job keys that do not apply to the job's status (the footer shows the rest)."""
        applies = AVAILABLE.get(action)
        if applies is None:
            return True
        record = self.record
        return record is not None and applies(record)

    def action_back(self) -> None:
        self.dismiss()
