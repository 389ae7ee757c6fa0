"""The inspector of an S3 Control job: DescribeJob's fields in words, kept fresh by the app's refresher.

A stored job's inspector (inspector.py) also reads the store's history and failures;
an S3 Control backend has neither, so this one shows what DescribeJob says.
"""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Header, Label, Static

from s3batch_tui.core.backends.view import JobView, job_facts
from s3batch_tui.core.errors import BackendUnreachable, JobNotFound
from s3batch_tui.core.explain import describe_spec
from s3batch_tui.core.spec import JobSpec
from s3batch_tui.tui.commands import bindings
from s3batch_tui.tui.job_actions import JobActionsMixin, applies_to
from s3batch_tui.tui.screens.inspector import COMMANDS, DANGER_WORDS, clock_time, progress_content, status_content
from s3batch_tui.tui.widgets.footer import AppFooter

SPEC_MEMBERS = ("Operation", "Manifest", "ManifestGenerator", "Report", "Priority", "RoleArn", "Description",
                "ConfirmationRequired")  # fmt: skip
LOCAL_ONLY_LINES = frozenset({"Priority", "Rate limit", "Fails when", "Retries", "Large objects", "IAM role"})
"""describe_spec's lines about how our engine runs a job: S3 Batch Operations decides those itself."""


def spec_lines(job: dict) -> list[tuple[str, str]]:
    """What the job does, in words, from DescribeJob's CreateJob-shaped members (none if they do not parse)."""
    try:
        spec = JobSpec.model_validate({key: job[key] for key in SPEC_MEMBERS if key in job})
    except ValueError:
        return []
    return [(label, text) for label, text in describe_spec(spec) if label not in LOCAL_ONLY_LINES]


class TagsLoaded(Message):
    """The job's tags, read by a worker."""

    def __init__(self, tags: list[dict[str, str]]) -> None:
        super().__init__()
        self.tags = tags


class ControlInspectorScreen(JobActionsMixin, Screen):
    """One S3 Control job, as the last DescribeJob answered."""

    COMMANDS_LIST = COMMANDS
    BINDINGS = bindings(COMMANDS)

    def __init__(self, job_id: str) -> None:
        super().__init__()
        self.job_id = job_id
        self.tags: list[dict[str, str]] | None = None
        self._shown: tuple | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="inspector-title")
        yield Static(id="inspector-reasons")
        with VerticalScroll(id="inspector-body"):
            with Horizontal(id="inspector-top"):
                yield Vertical(id="inspector-spec")
                with Vertical(id="inspector-side"):
                    yield Static(id="inspector-progress")
                    yield Vertical(id="inspector-history")
        yield AppFooter()

    def on_mount(self) -> None:
        self.sub_title = f"Job {self.job_id[:8]} on {self.app.actions.label}"
        for selector, title in (("#inspector-spec", "What it does"), ("#inspector-progress", "Progress"),
                                ("#inspector-history", "DescribeJob")):  # fmt: skip
            self.query_one(selector).border_title = title
        if self.app.refresher is not None:
            self.app.refresher.want(self.job_id)
            self.app.poll_now()
        self._load_tags()
        self.refresh_jobs()

    @property
    def record(self) -> JobView | None:
        """The job as of the app's latest refresh."""
        return self.app.jobs.get(self.job_id)

    def refresh_jobs(self) -> None:
        """Redraw when the job's answer changed."""
        if not (self.is_mounted and self.is_attached and self.app.is_running):
            return
        record = self.record
        title = self.query_one("#inspector-title", Static)
        if record is None or record.details is None:
            title.update(f"Job {self.job_id[:8]}: asking {self.app.actions.label}…" if record is None or
                         self.app.refresh_state is None or not self.app.refresh_state.problem else
                         f"Job {self.job_id[:8]}: {self.app.refresh_state.describe(self.app.refresher.clock())}")  # fmt: skip
            return
        key = (record, str(record.details), tuple(map(str, self.tags or ())))
        if key == self._shown:
            return
        first = self._shown is None
        self._shown = key
        title.update(Content.assemble(
            (f" {record.id[:8]} ", "bold reverse"), "  ", (record.description or "(no description)", "bold"), "  ",
            status_content(record.status),
            (f"   {record.operation} · priority {record.priority} · created {clock_time(record.created_at)}",
             "$text-muted"),
        ))  # fmt: skip
        reasons = [f"{r.get('FailureCode', '')}: {r.get('FailureReason', '')}" for r in record.failure_reasons]
        if record.status_reason:
            reasons.insert(0, record.status_reason)
        self.query_one("#inspector-reasons", Static).update("\n".join(reasons))
        self.query_one("#inspector-progress", Static).update(progress_content(record, self.app.rates_by_job.get(record.id, 0.0)))
        if first:
            self._rows("#inspector-spec", spec_lines(record.details))
        self.query_one("#inspector-history", Vertical).remove_children()
        self._rows("#inspector-history", job_facts(record.details, self.tags))
        self.refresh_bindings()

    def _rows(self, selector: str, lines: list[tuple[str, str]]) -> None:
        rows = [
            Horizontal(Label(label, classes="spec-label"),
                       Static(Content(text), classes="spec-text" + (" -danger" if any(
                           word in text for word in DANGER_WORDS) else "")), classes="spec-row")
            for label, text in lines
        ]  # fmt: skip
        self.query_one(selector, Vertical).mount_all(rows)

    @work(thread=True, exit_on_error=False, group="control-tags")
    def _load_tags(self) -> None:
        """GetJobTagging once (DescribeJob does not carry the job's tags)."""
        if self.app.refresher is not None:
            self.app.refresher.spend()
        try:
            tags = self.app.actions.get_tags(self.job_id)
        except (BackendUnreachable, JobNotFound):
            return  # the facts show without them; the refresher reports the endpoint's state
        self.post_message(TagsLoaded(tags))

    def on_tags_loaded(self, message: TagsLoaded) -> None:
        self.tags = message.tags
        self.refresh_jobs()

    def _selected(self) -> JobView | None:
        return self.record

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keys that do not apply to the job's status are hidden; those the backend cannot do say why when pressed."""
        record = self.record
        return applies_to(action, [record] if record else [])

    def action_back(self) -> None:
        self.dismiss()
