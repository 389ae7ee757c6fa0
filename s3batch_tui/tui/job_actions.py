"""Steering jobs from any screen: the commands, the cancel question, the worker that acts.

The jobs table and the inspector share these. A screen mixes in `JobActionsMixin`, says
which jobs an action applies to (`_selected`, `_targets`) and declares `job_commands()`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from textual import work
from textual.message import Message

from s3batch_tui.core.errors import BackendUnreachable, InputError, JobNotFound, JobStateError
from s3batch_tui.core.status import JobStatus
from s3batch_tui.core.store import JobRecord
from s3batch_tui.core.formatting import plural
from s3batch_tui.tui.commands import Command
from s3batch_tui.tui.messages import JobCreated
from s3batch_tui.tui.screens.confirm import ConfirmScreen


_UUID = re.compile(r"\b([0-9a-f]{8})-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")


def toast_text(text: str) -> str:
    """A core message as the TUI shows it: 8-character ids like the rest of the UI, a capital first."""
    text = _UUID.sub(r"\1", text)
    return text[:1].upper() + text[1:]


def job_commands(marked: bool = False) -> tuple[Command, ...]:
    """The commands that act on a job; `marked`: pause/resume and cancel also apply to marked jobs."""
    too = " (marked jobs too)" if marked else ""
    return (
        Command("job.run", "r", "run_job", "Run", "job: run", "Start a New or Ready job, or resume a Paused one"),
        Command("job.pause", "p", "pause_resume", "Pause/Resume", "job: pause or resume",
                f"Pause a running job, resume a paused one{too}"),
        Command("job.cancel", "c", "cancel", "Cancel", "job: cancel", f"Cancel the job{too}, after confirmation"),
        Command("job.confirm", "y", "confirm_job", "Confirm", "job: confirm", "Confirm a Suspended job so it runs"),
        Command("job.priority_up", "plus,=", "priority(1)", "Prio+", "job: raise priority",
                f"Raise the priority by one{too}"),
        Command("job.priority_down", "minus", "priority(-1)", "Prio-", "job: lower priority",
                f"Lower the priority by one{too}"),
        Command("job.retry", "R", "retry_failed", "Retry failed", "job: retry failed tasks",
                "Create and run a new job over the failed tasks"),
        Command("job.handover", "H", "handover", "Hand over", "job: hand over to S3 Control",
                "Send the rest of a running or paused local job to the S3 Control backend", show=False),
        Command("job.report", "o", "open_report", "Report", "job: open report", "Open the completion report"),
        Command("job.copy_id", "Y", "copy_id", "Copy id", "job: copy id", "Copy the job's full id to the clipboard",
                show=False),
        Command("job.copy_report", "U", "copy_report", "Copy report URI", "job: copy report URI",
                "Copy where the job's report is (path or s3:// URI) to the clipboard", show=False),
    )  # fmt: skip


def remaining_tasks(jobs: list[JobRecord]) -> int | None:
    """Tasks of these jobs that have not run yet (None when a job's total is not counted yet)."""
    if any(j.total_tasks is None for j in jobs):
        return None
    return sum(max((j.total_tasks or 0) - j.succeeded - j.failed, 0) for j in jobs)


def cancel_question(jobs: list[JobRecord]) -> tuple[str, str]:
    """(title, question) of the cancel confirmation: names the jobs and what will not run."""
    names = ", ".join(f"{j.id[:8]} ({j.description or j.operation})" for j in jobs[:3])
    more = f" and {len(jobs) - 3} more" if len(jobs) > 3 else ""
    remaining = remaining_tasks(jobs)
    if remaining is None:
        left = "Its tasks are not counted yet; none of them will run." if len(jobs) == 1 else \
            "Some of their tasks are not counted yet; no task that has not run will run."
    else:
        left = f"{plural(remaining, 'task')} {'has' if remaining == 1 else 'have'} not run yet and will not run."
    question = f"Cancel {names}{more}?\n\n{left} Tasks that already succeeded stay applied; the report lists what ran."
    return cancel_label(jobs), question


def cancel_label(jobs: list[JobRecord]) -> str:
    """`Cancel job` or `Cancel 3 jobs`: the dialog's title and its button say the same."""
    return "Cancel job" if len(jobs) == 1 else f"Cancel {len(jobs)} jobs"


S = JobStatus
AVAILABLE = {
    "run_job": lambda r: r.status in (S.NEW, S.READY, S.PAUSED),
    "pause_resume": lambda r: r.status in (S.PREPARING, S.READY, S.ACTIVE, S.PAUSING, S.PAUSED),
    "cancel": lambda r: not r.status.is_terminal and r.status != S.CANCELLING,
    "confirm_job": lambda r: r.status == S.SUSPENDED,
    "priority": lambda r: not r.status.is_terminal,
    "retry_failed": lambda r: r.status.is_terminal and r.failed > 0,
    "handover": lambda r: r.status in (S.READY, S.ACTIVE, S.PAUSING, S.PAUSED),
    "open_report": lambda r: bool(r.report_location),
    "copy_report": lambda r: bool(r.report_location),
}
"""When each job key applies to a job."""


def applies_to(action: str, jobs: list) -> bool:
    """Whether a job key shows for these jobs: it applies to one of them by its status.

    Whether the backend can do it at all is not asked here: a key the backend cannot do
    (pause on AWS) still shows where it would apply, and pressing it says why not.
    """
    applies = AVAILABLE.get(action)
    return applies is None or any(applies(job) for job in jobs)


class RetryPlanned(Message):
    """A backend worked out what retrying a job's failed tasks would do: ask before doing it."""

    def __init__(self, job: Any, plan: Any) -> None:
        super().__init__()
        self.job = job
        self.plan = plan


class JobActionsMixin:
    """`action_*` methods for the job commands; mix into a Screen.

    The screen provides `_selected()` (the job single-job actions apply to) and may
    override `_targets()` (the jobs pause/resume, priority and cancel apply to) and
    `_cancel_confirmed()` (called once the user confirmed a cancel).
    """

    def _selected(self) -> JobRecord | None:
        raise NotImplementedError

    def _targets(self) -> list[JobRecord]:
        job = self._selected()
        return [] if job is None else [job]

    def _cancel_confirmed(self) -> None:
        """Hook: the user confirmed a cancel (the jobs table clears its marks)."""

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
            self._plan_retry(job)

    @work(thread=True, exit_on_error=False, group="job-actions")
    def _plan_retry(self, job: Any) -> None:
        """Ask the backend what a retry would do; a plan is shown before anything is uploaded or created."""
        try:
            plan = self.app.actions.retry_failed_plan(job.id)
        except (JobStateError, JobNotFound, BackendUnreachable, InputError) as exc:
            self.app.notify(toast_text(str(exc)), severity="warning")
            return
        if plan is None:
            self._retry(job, None)
        else:
            self.post_message(RetryPlanned(job, plan))

    def on_retry_planned(self, message: RetryPlanned) -> None:
        def submit_if_confirmed(confirmed: bool | None) -> None:
            if confirmed:
                self._retry(message.job, message.plan)

        label = f"Retry {plural(message.plan.failed, 'failed task')}"
        question = "\n".join(line.strip() for line in message.plan.lines())
        self.app.push_screen(ConfirmScreen(label, question, "Upload and submit"), submit_if_confirmed)

    def _retry(self, job: Any, plan: Any) -> None:
        def retry() -> str:
            new_id = self.app.actions.retry_failed(job.id) if plan is None else \
                self.app.actions.retry_failed(job.id, plan=plan)  # fmt: skip
            self.app.post_message(JobCreated(new_id))  # the jobs table selects it
            return f"Retrying {plural(job.failed, 'failed task')} as job {new_id[:8]}"

        self._do(retry)

    def action_open_report(self) -> None:
        job = self._selected()
        if job is None:
            return
        if not job.report_location:
            self.notify(f"Job {job.id[:8]} has no report yet ({job.status}).", severity="warning")
            return
        self.app.open_report(job.report_location)

    def action_copy_id(self) -> None:
        if (job := self._selected()) is not None:
            self.app.copy_to_clipboard(job.id)
            self.notify(f"Copied the id of job {job.id[:8]} to the clipboard")

    def action_copy_report(self) -> None:
        if (job := self._selected()) is not None and job.report_location:
            self.app.copy_to_clipboard(job.report_location)
            self.notify(f"Copied the report location of job {job.id[:8]} to the clipboard")

    def action_cancel(self) -> None:
        jobs = [j for j in self._targets() if not j.status.is_terminal]
        if not jobs:
            self.notify("Nothing to cancel: the job has ended.", severity="warning")
            return

        def cancel_if_confirmed(confirmed: bool | None) -> None:
            if confirmed:
                for job in jobs:
                    self._do(lambda j=job: self.app.actions.cancel(j.id), f"Cancelling job {job.id[:8]}")
                self._cancel_confirmed()

        ids = [job.id for job in jobs]

        def live_question() -> str:  # the counts move while the dialog is open
            return cancel_question([self.app.jobs.get(i, job) for i, job in zip(ids, jobs, strict=True)])[1]

        title, _ = cancel_question(jobs)
        self.app.push_screen(ConfirmScreen(title, live_question, title), cancel_if_confirmed)

    @work(thread=True, exit_on_error=False, group="job-actions")
    def _do(self, action: Callable[[], Any], done_message: str | None = None) -> None:
        """Run a job action off the UI thread; tell the user what happened."""
        try:
            result = action()
        except (JobStateError, JobNotFound, BackendUnreachable, InputError, ValueError) as exc:
            self.app.notify(toast_text(str(exc)), severity="warning")
            return
        except Exception as exc:  # noqa: BLE001 - an action that failed must say so, not vanish with its worker
            self.app.notify(toast_text(f"The job action failed: {type(exc).__name__}: {exc}"), severity="error", timeout=15)
            return
        self.app.notify(done_message or str(result))
        self.app.poll_now()
