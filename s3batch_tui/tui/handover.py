"""Hand a local job over to the S3 Control backend from the TUI (`H`): ask where, show the plan, do it.

The same steps as `job handover` (core/handover): the plan is shown in a confirmation
before anything is stopped, uploaded or submitted, and the work runs in a worker.
"""

from __future__ import annotations

from typing import Any

from textual import work
from textual.message import Message

from s3batch_tui.core.backends.connect import TOKEN_DIR, connect
from s3batch_tui.core.errors import BackendUnreachable, InputError, JobNotFound, JobStateError
from s3batch_tui.core.handover.plan import plan_handover
from s3batch_tui.core.handover.run import hand_over
from s3batch_tui.tui.job_actions import toast_text
from s3batch_tui.tui.screens.ask import AskScreen
from s3batch_tui.tui.screens.confirm import ConfirmScreen

NO_CONTROL = ("No S3 Control backend to hand over to: start with --account-id ID [--control-endpoint URL] "
              "[--profile P] [--region R]")  # fmt: skip
REFUSED = (JobStateError, JobNotFound, BackendUnreachable, InputError, ValueError)


class HandoverPlanned(Message):
    """The plan of a hand-over is ready: ask before doing it."""

    def __init__(self, plan: Any, backend: Any) -> None:
        super().__init__()
        self.plan = plan
        self.backend = backend


class HandoverMixin:
    """`action_handover`; mix into a Screen that also mixes in `JobActionsMixin` (for `_selected`)."""

    def action_handover(self) -> None:
        job = self._selected()
        if job is None:
            return
        reason = self.app.actions.capabilities.reason("handover")
        if reason is not None:
            self.notify(reason, severity="warning")
            return
        if self.app.control is None:
            self.notify(NO_CONTROL, severity="warning", timeout=10)
            return

        def plan_if_answered(manifest_to: str | None) -> None:
            if manifest_to:
                self._plan_handover(job.id, manifest_to)

        prompt = (f"Where in S3 should the entries of job {job.id[:8]} that are not done go, as a CSV manifest, "
                  f"before the rest is submitted to {self.app.control.label}? Nothing happens before you confirm.")
        self.app.push_screen(AskScreen("Hand over", prompt, placeholder="s3://bucket/prefix/"), plan_if_answered)

    @work(thread=True, exit_on_error=False, group="job-actions")
    def _plan_handover(self, job_id: str, manifest_to: str) -> None:
        app = self.app
        try:
            backend = connect(app.control, s3_client=app.s3(), token_dir=app.settings.data_dir / TOKEN_DIR,
                              store=app.store)  # fmt: skip
            plan = plan_handover(app.store, app.settings, job_id, manifest_to, None, backend.label)
        except REFUSED as exc:
            app.notify(toast_text(str(exc)), severity="warning", timeout=10)
            return
        self.post_message(HandoverPlanned(plan, backend))

    def on_handover_planned(self, message: HandoverPlanned) -> None:
        def hand_over_if_confirmed(confirmed: bool | None) -> None:
            if confirmed:
                self._hand_over(message.plan, message.backend)

        question = "\n".join(line.strip() for line in message.plan.lines())
        self.app.push_screen(ConfirmScreen(f"Hand over job {message.plan.job_id[:8]}", question, "Hand over"),
                             hand_over_if_confirmed)  # fmt: skip

    @work(thread=True, exit_on_error=False, group="job-actions")
    def _hand_over(self, plan: Any, backend: Any) -> None:
        app = self.app
        app.notify(f"Handing job {plan.job_id[:8]} over to {backend.label}…")
        try:
            record = hand_over(app.store, app.settings, backend.s3_client, backend, plan)
        except BackendUnreachable as exc:
            app.notify(toast_text(f"{exc}. The job may have been created there: hand it over again (the kept "
                                   "ClientRequestToken makes it the same job); it stays paused here until then"),
                       severity="error", timeout=20)  # fmt: skip
            return
        except REFUSED as exc:
            app.notify(toast_text(str(exc)), severity="warning", timeout=10)
            return
        finally:
            app.poll_now()
        app.notify(f"Job {plan.job_id[:8]} handed over: {record.done_here:,} tasks ran here, {record.remaining:,} "
                   f"run as job {record.aws_job_id[:8]} on {record.backend}", timeout=15)  # fmt: skip
