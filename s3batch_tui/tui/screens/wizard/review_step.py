"""Step 4: the job file, what it would cost on AWS, and create / create and run / save."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import replace
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Button, Input, Label, Static

from s3batch_tui.core.backends.submit import upload_manifest, with_token
from s3batch_tui.core.browse import display_location, write_job_file
from s3batch_tui.core.dry_run import dry_run, dry_run_lines
from s3batch_tui.core.errors import InputError
from s3batch_tui.core.formatting import format_count
from s3batch_tui.core.pricing import JOB_FEE_USD, PER_MILLION_TASKS_USD, aws_job_fee, aws_task_fee, format_usd
from s3batch_tui.core.s3 import ClientFactory
from s3batch_tui.core.spec import JobSpec, local_extensions
from s3batch_tui.tui.commands import Command, bindings
from s3batch_tui.tui.messages import JobCreated as AppJobCreated
from s3batch_tui.tui.screens.ask import AskScreen
from s3batch_tui.tui.screens.confirm import ConfirmScreen
from s3batch_tui.tui.screens.dry_run import DryRunScreen
from s3batch_tui.tui.screens.wizard.base import BACK, WizardStep, close_wizard
from s3batch_tui.tui.screens.wizard.json_view import highlight_json
from s3batch_tui.tui.screens.wizard.operations import BY_NAME
from s3batch_tui.tui.screens.wizard.state import Problem

COMMANDS = (
    BACK,
    Command("review.create", "c", "create(False)", "Create", "review: create the job",
            "Store the job (status New); run it later from the jobs list"),
    Command("review.run", "r", "create(True)", "Create & run", "review: create and run",
            "Store the job and start its runner now"),
    Command("review.save", "w", "save", "Save file", "review: save the job file",
            "Write the job file (CreateJob JSON) to the path on the right"),
    Command("review.dry_run", "d", "dry_run", "Dry run", "review: dry run",
            "HEAD a sample of 100 objects and predict the outcome; nothing is changed or stored"),
)  # fmt: skip
_LOCAL_PARTS = {
    "LocalOptions": "LocalOptions (rate limit, failure threshold)",
    "Manifest.Location.ObjectArn": "a manifest on disk",
    "Report.Bucket": "a report directory on disk",
    "Operation.S3PutObjectCopy.TargetResource": "a copy destination on disk",
}


MANIFEST_PART = "Manifest.Location.ObjectArn"
"""A local manifest is no refusal on S3 Control: it is uploaded first."""


class JobCreated(Message):
    """A worker stored the job (and maybe started its runner)."""

    def __init__(self, job_id: str | None, run: bool, error: str | None = None) -> None:
        super().__init__()
        self.job_id, self.run, self.error = job_id, run, error


class DryRunFinished(Message):
    """A worker finished the dry run: its lines, or the error that stopped it."""

    def __init__(self, lines: list[str], failed: bool) -> None:
        super().__init__()
        self.lines, self.failed = lines, failed


class ReviewStep(WizardStep):
    """Step 4 of the wizard: check everything, then act."""

    STEP = "Review"
    COMMANDS_LIST = COMMANDS
    BINDINGS = bindings(COMMANDS)
    FIX_HINT = "to fix: go back (esc) to the step named"

    def __init__(self, state) -> None:
        super().__init__(state)
        self.spec: JobSpec | None = None
        self.busy = False
        self._tokens: dict[str, str] = {}
        """ClientRequestToken per submitted request (digest of the job): a repeated submit makes one job."""

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="review-main"):
            with VerticalScroll(id="review-json"):
                yield Static("", id="review-json-text")
            with VerticalScroll(id="review-side"):
                yield Static("", id="review-summary")
                yield Static("", id="review-cost")
                yield Static("", id="review-extensions")
                yield Label("Save the job file as", classes="form-label")
                yield Input(self.state.save_path, id="review-save-path", placeholder="job.json")
                with Horizontal(id="review-actions"):
                    yield Button("Create (c)", id="review-create")
                    yield Button("Create & run (r)", id="review-run", variant="primary")
                    yield Button("Save (w)", id="review-save")
                with Horizontal(id="review-check"):
                    yield Button("Dry run (d)", id="review-dry-run")

    def on_mount(self) -> None:
        super().on_mount()
        if self.app.actions is not self.app.local:  # S3 runs a job by itself once Ready: one way to create it
            self.query_one("#review-create", Button).label = "Submit (c)"
            self.query_one("#review-run", Button).label = f"Submit to {self.app.actions.label.split(' at ')[0]} (r)"
        self._show()
        self.query_one("#review-json").focus()

    def ready_hint(self) -> str:
        if self.app.actions is not self.app.local:
            return f"✓ valid: c or r submit to {self.app.actions.label} · w save the job file"
        return "✓ valid: c create · r create and run · w save the job file"

    def step_problems(self) -> list[Problem]:
        """Every step's problems: a validation finishing late can still make the job invalid here."""
        return [replace(p, text=f"{p.step}: {p.text}") for p in self.state.check()[1]]

    def state_changed(self) -> None:
        super().state_changed()
        self._show()

    # --- showing ----------------------------------------------------------------------

    def _show(self) -> None:
        self.spec, _ = self.state.check()
        colours = self.app.theme_variables
        text = self.spec.to_json() if self.spec else _json_or_note(self.state.to_job_dict())
        self.query_one("#review-json-text", Static).update(highlight_json(text, colours))
        self.query_one("#review-summary", Static).update(self._summary())
        self.query_one("#review-cost", Static).update(self._cost())
        extensions = local_extensions(self.spec) if self.spec else []
        where = self.query_one("#review-extensions", Static)
        if extensions:
            where.update(Content.from_markup("[b]Local only:[/] $e.\n[dim]AWS would refuse this file as it is.[/]",
                                             e=", ".join(_LOCAL_PARTS.get(e, e) for e in extensions)))  # fmt: skip
        else:
            where.update(Content.from_markup("[dim]No local extensions: this file also runs on AWS.[/]"))
        local_ok = self.spec is not None
        self.query_one("#review-create", Button).disabled = not local_ok
        self.query_one("#review-run", Button).disabled = not local_ok
        self.query_one("#review-save", Button).disabled = self.spec is None
        self.query_one("#review-dry-run", Button).disabled = not local_ok

    def _summary(self) -> Content:
        state = self.state
        info = BY_NAME.get(state.operation)
        if state.use_generator:
            source = f"generator over {state.generator.bucket}"
        elif state.manifest:
            source = display_location(state.manifest["Location"]["ObjectArn"]).rsplit("/", 1)[-1]
        else:
            source = "none"
        tasks = format_count(state.task_count) if state.scan_done else "counting…"
        workers, rate = state.workers.strip(), state.rate_limit.strip()
        rows = [("Operation", f"{info.title} ({info.name})" if info else "none chosen"), ("Manifest", source), ("Tasks", tasks),
                ("Runs with", f"{workers} workers, " + (f"≤ {rate} ops/s" if rate else "no rate limit"))]  # fmt: skip
        lines = [Content.from_markup("[b]Job[/]")]
        lines += [Content.from_markup("[dim]$k[/] $v", k=f"{key:<10}", v=value) for key, value in rows]
        if warning := state.destructive_warning():
            lines.append(Content.from_markup("[b $error]⚠ $w[/]", w=warning))
        return Content("\n").join(lines)

    def _cost(self) -> Content:
        count = self.state.task_count
        lines = [Content.from_markup("[b]Cost on AWS S3 Batch Operations[/]")]
        per_million = f"{format_usd(PER_MILLION_TASKS_USD)} per 1M tasks"
        rows = [("job fee", format_usd(JOB_FEE_USD), "per job")]
        if count is None:
            rows.append(("tasks", "?", f"{per_million}; counting…"))
        else:
            rows.append((f"{format_count(count)} tasks", format_usd(aws_task_fee(count)), per_million))
            rows.append(("total", format_usd(aws_job_fee(count)), ""))
        for label, amount, note in rows:
            style = "b" if label == "total" else "not b"
            markup = f"[dim]$l[/] [{style}]$a[/] [dim]$n[/]"
            lines.append(Content.from_markup(markup, l=f"{label:<12}", a=f"{amount:<9}", n=note))
        lines.append(Content.from_markup("[dim]+ the S3 request charges (extra)[/]"))
        lines.append(Content.from_markup("[b $success]local: no job fee[/] [dim](the S3 requests only)[/]"))
        return Content("\n").join(lines)

    # --- actions ----------------------------------------------------------------------

    def action_create(self, run: bool) -> None:
        spec = self.spec
        if spec is None or self.busy:
            self.notify("The job is not valid yet: go back (esc) and fix the steps marked.", severity="error")
            return
        if self.app.actions is not self.app.local:
            self._submit(spec)
            return
        warning = self.state.destructive_warning()
        if warning is None:
            self._create(spec, run)
            return
        verb = "Create and run" if run else "Create"
        question = f"{warning}\n\n{verb} this job?" + ("" if run else " (it runs when you start it)")

        def create_if_confirmed(confirmed: bool | None) -> None:
            if confirmed:
                self._create(spec, run)

        self.app.push_screen(ConfirmScreen(f"{BY_NAME[self.state.operation].title}: destructive", question, verb),
                             create_if_confirmed)  # fmt: skip

    def _create(self, spec: JobSpec, run: bool) -> None:
        self.busy = True
        self._create_in_thread(spec, run, self.state.worker_count() if run else None)

    @work(thread=True, exit_on_error=False, group="review")
    def _create_in_thread(self, spec: JobSpec, run: bool, workers: int | None) -> None:
        try:
            job_id = self.app.actions.create(spec, run=run, workers=workers)
        except Exception as exc:  # noqa: BLE001 - the user must see why, the wizard stays open
            self.post_message(JobCreated(None, run, str(exc)))
            return
        self.post_message(JobCreated(job_id, run))

    # --- submitting to an S3 Control backend ------------------------------------------------

    def _submit(self, spec: JobSpec, role_arn: str | None = None, manifest_to: str | None = None) -> None:
        """CreateJob on the backend in use, asking first for what AWS needs and the wizard has not got."""
        refused = [part for part in local_extensions(spec) if part != MANIFEST_PART]
        if refused:
            self.notify("S3 Batch Operations would refuse " + ", ".join(_LOCAL_PARTS.get(p, p) for p in refused)
                        + ": go back (esc) and change them, or create the job locally (b switches)",
                        severity="error", timeout=10)  # fmt: skip
            return
        if not (role_arn or spec.role_arn):
            prompt = "The IAM role S3 Batch Operations assumes to run the job (it must trust batchoperations.s3.amazonaws.com)."
            self.app.push_screen(AskScreen("IAM role for the job", prompt, placeholder="arn:aws:iam::123456789012:role/…"),
                                 lambda role: role and self._submit(spec, role, manifest_to))  # fmt: skip
            return
        if MANIFEST_PART in local_extensions(spec) and not manifest_to:
            prompt = "The manifest is on this machine: S3 Batch Operations reads it from S3. Upload it under:"
            self.app.push_screen(AskScreen("Upload the manifest", prompt, placeholder="s3://bucket/prefix/"),
                                 lambda to: to and self._submit(spec, role_arn, to))  # fmt: skip
            return
        self.busy = True
        self._submit_in_thread(spec, role_arn, manifest_to)

    @work(thread=True, exit_on_error=False, group="review")
    def _submit_in_thread(self, spec: JobSpec, role_arn: str | None, manifest_to: str | None) -> None:
        """Upload a local manifest, then CreateJob with a token kept for this request while the wizard is open.

        Submitting again after a network error sends the same token, so S3 Control answers
        with the job it made, not a second one.
        """
        try:
            if role_arn:
                spec = JobSpec.model_validate(spec.to_json_dict() | {"RoleArn": role_arn})
            spec = upload_manifest(spec, self.app.actions.s3_client, manifest_to)
            token = self._tokens.setdefault(hashlib.sha256(spec.to_json().encode()).hexdigest(), str(uuid.uuid4()))
            job_id = self.app.actions.create(with_token(spec, token))
        except Exception as exc:  # noqa: BLE001 - the user must see why, the wizard stays open
            self.post_message(JobCreated(None, True, str(exc)))
            return
        self.post_message(JobCreated(job_id, True))

    @on(JobCreated)
    def _created(self, message: JobCreated) -> None:
        self.busy = False
        if message.job_id is None:
            self.notify(f"Could not create the job: {message.error}", severity="error")
            return
        if self.app.actions is not self.app.local:
            self.notify(f"Submitted job {message.job_id[:8]} to {self.app.actions.label}")
        else:
            self.notify(f"Created job {message.job_id[:8]}" + (" and started it" if message.run else
                                                               ": press r to run it"))  # fmt: skip
        self.app.post_message(AppJobCreated(message.job_id))  # the jobs table selects it
        close_wizard(self.app)

    def action_save(self) -> None:
        if self.spec is None:
            self.notify("The job is not valid yet: nothing to save.", severity="error")
            return
        path = Path(self.query_one("#review-save-path", Input).value.strip() or "job.json")
        if not path.expanduser().exists():
            self._save(self.spec, path)
            return
        spec = self.spec

        def save_if_confirmed(confirmed: bool | None) -> None:
            if confirmed:
                self._save(spec, path)

        question = f"{path} already exists. Replace it with this job file?"
        self.app.push_screen(ConfirmScreen("Overwrite the file?", question, "Overwrite"), save_if_confirmed)

    @work(thread=True, exit_on_error=False, group="review")
    def _save(self, spec: JobSpec, path: Path) -> None:
        try:
            written = write_job_file(spec, path)
        except OSError as exc:
            self.notify(f"Could not save {path}: {exc.strerror or exc}", severity="error")
            return
        self.notify(f"Saved the job file to {written}")

    def action_dry_run(self) -> None:
        if self.spec is None or self.busy:
            self.notify("The job is not valid yet: go back (esc) and fix the steps marked.", severity="error")
            return
        self.notify("Dry run: reading the manifest and checking a sample of objects…")
        self._dry_run(self.spec, self.state.worker_count() or self.app.settings.workers)

    @work(thread=True, exit_on_error=False, group="review")
    def _dry_run(self, spec: JobSpec, workers: int) -> None:
        try:
            lines, failed = dry_run_lines(dry_run(spec, ClientFactory(self.app.aws, workers), 100, workers)), False
        except InputError as exc:
            lines, failed = str(exc).splitlines(), True
        except Exception as exc:  # noqa: BLE001 - the user must see why, the wizard stays open
            lines, failed = [f"{type(exc).__name__}: {exc}"], True
        self.post_message(DryRunFinished(lines, failed))

    @on(DryRunFinished)
    def _dry_run_finished(self, message: DryRunFinished) -> None:
        self.app.push_screen(DryRunScreen(message.lines, message.failed))

    @on(Button.Pressed, "#review-dry-run")
    def _dry_run_pressed(self) -> None:
        self.action_dry_run()

    @on(Input.Changed, "#review-save-path")
    def _path_typed(self, event: Input.Changed) -> None:
        self.state.save_path = event.value

    @on(Input.Submitted, "#review-save-path")
    def _path_submitted(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#review-create")
    def _create_pressed(self) -> None:
        self.action_create(False)

    @on(Button.Pressed, "#review-run")
    def _run_pressed(self) -> None:
        self.action_create(True)

    @on(Button.Pressed, "#review-save")
    def _save_pressed(self) -> None:
        self.action_save()


def _json_or_note(job: dict) -> str:
    """The unvalidated job dict as JSON (shown while it has problems)."""
    return json.dumps(job, indent=2, ensure_ascii=False, default=str)
