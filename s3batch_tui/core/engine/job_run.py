"""One job's life in a runner: prepare, wait for confirmation, dispatch, finish.

A `JobRun` owns a thread that walks the job through SPEC.md's statuses. It feeds
tasks through the priority window to its `TaskDispatch` (dispatch.py), reacts to control
requests (pause, resume, cancel, confirm, priority) written to the store by any
process, and ends with the completion report and a terminal status.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import asdict
from typing import TYPE_CHECKING

from s3batch_tui.core.engine.control import RELEASE
from s3batch_tui.core.engine.dispatch import TaskDispatch
from s3batch_tui.core.engine.feed import Feed
from s3batch_tui.core.engine.health import EndpointHealth
from s3batch_tui.core.engine.inbox import POLL_SECONDS as CONTROL_POLL_SECONDS
from s3batch_tui.core.engine.inbox import ControlInbox
from s3batch_tui.core.engine.job_manifest import JobManifest
from s3batch_tui.core.engine.retrying import TransientError
from s3batch_tui.core.engine.tally import Tally
from s3batch_tui.core.engine.window import STARTED_TASK_SLOTS, THREAD_TASK_SLOTS
from s3batch_tui.core.errors import InputError
from s3batch_tui.core.expiry import EXPIRE_REQUEST, expiry_reason
from s3batch_tui.core.expiry import FAILURE_CODE as EXPIRY_CODE
from s3batch_tui.core.manifest.scan import ScanStopped
from s3batch_tui.core.operations.base import OperationContext, is_async, is_batch
from s3batch_tui.core.operations.registry import build_operation
from s3batch_tui.core.report import ReportStaging, write_report
from s3batch_tui.core.status import JobStatus as S
from s3batch_tui.core.status import unfinished_ending

if TYPE_CHECKING:
    from s3batch_tui.core.engine.engine import Engine

log = logging.getLogger(__name__)

REPORT_NOT_WRITTEN = "report not written"


class StopRun(Exception):
    """Leave the run loop: the engine is shutting down and the job was paused."""


class JobRun:
    """The runner of one job inside an engine (see module docstring)."""

    def __init__(self, engine: Engine, job_id: str) -> None:
        self.engine = engine
        self.store = engine.store
        self.job_id = job_id
        record = self.store.get(job_id)
        self.spec = record.spec
        self.threshold = self.spec.options.failure_threshold
        self.total = record.total_tasks
        self.tally = Tally(record.checkpoint)
        self.staging = ReportStaging(engine.settings.job_dir(job_id) / "staging", self.spec.report.scope)
        self.staging.truncate_to(record.staging_lengths)
        self.progress_dirty = False
        self.failure_reason: str | None = None
        self.shutdown_reason: str | None = None
        self.inbox = ControlInbox(self.store, job_id, record.priority,
                                  lambda write: engine.recorder.call(write).result())  # fmt: skip
        # Non-task calls stop retrying only when the process goes away: a cancelled job
        # still needs its report written.
        self.health = EndpointHealth(self.spec.options, lambda: engine.clients.client("s3"),
                                     lambda: self.shutdown_reason is not None)  # fmt: skip
        self.manifest = JobManifest(self.spec, engine.settings.job_dir(job_id), job_id, self.health.s3)
        self.feed: Feed | None = None
        self.dispatch = TaskDispatch(self, self._task_stopping)
        self.thread = threading.Thread(target=self._main, name=f"job-{job_id[:8]}", daemon=True)

    # --- called from other threads ----------------------------------------------------

    def task_finished(self) -> None:
        """The recorder folded one outcome in (recorder thread)."""
        self.dispatch.finished()

    def request_failure(self, reason: str) -> None:
        """The failure threshold was crossed (recorder thread)."""
        self.failure_reason = self.failure_reason or reason

    def request_shutdown(self, reason: str) -> None:
        """Pause the job because this process is going away; it resumes next time."""
        self.shutdown_reason = reason

    # --- the thread -------------------------------------------------------------------

    def _main(self) -> None:
        self.engine.recorder.attach(self)
        try:
            self._lifecycle()
        except StopRun:
            pass
        except Exception as exc:  # a bug must not leave the job looking alive
            log.exception("job %s crashed", self.job_id)
            self._set(S.PAUSED, f"internal error, job paused: {type(exc).__name__}: {exc}")
        finally:
            self.tally.stop_active()
            self.engine.recorder.detach(self)
            self.staging.close()
            self.engine.job_ended(self)

    def _lifecycle(self) -> None:
        status = self.store.get(self.job_id).status
        request = self.inbox.take()  # a request left while no runner held the job
        if status == S.CANCELLING or request == "cancel":
            return self._finish(S.CANCELLED)
        unfinished = unfinished_ending(status, [entry[0] for entry in self.store.history(self.job_id)])
        if unfinished is not None:
            return self._finish(unfinished, self.store.get(self.job_id).failure_reasons or None)
        if status == S.SUSPENDED and request == "confirm":
            self._set(S.READY)
            status = S.READY
        if self.total is None:
            if not self._prepare():
                return
            status = self.store.get(self.job_id).status
        if status == S.SUSPENDED and not self._wait_for_confirmation():
            return
        while True:
            outcome = self._run_active()
            if outcome != "paused":
                return self._finish(outcome)
            if not self._wait_while_paused():
                return

    def _pause_and_stop(self, reason: str) -> None:
        """Pause for a reason outside the job (endpoint down, report not written) and end this run."""
        self.shutdown_reason = reason
        self._set(S.PAUSED, reason)
        raise StopRun

    def _set(self, status: S, reason: str | None = None, failure_reasons=None) -> None:
        old = self.store.get(self.job_id).status
        if old == status and reason is None:
            return
        # A request is cleared as the runner reads it (`inbox.take`); one that arrived since
        # (a cancel while Preparing ends) must survive this change and be acted on next.
        record = self.engine.recorder.call(
            lambda: self.store.set_status(self.job_id, status, reason, failure_reasons,
                                          clear_request=status.is_terminal)
        ).result()
        self.engine.status_changed(self.job_id, old, record.status, reason)

    # --- Preparing ----------------------------------------------------------------------

    def _prepare(self) -> bool:
        self._set(S.PREPARING)
        try:
            self._build_operation()
            generated = self.manifest.generate()
            summary = self.manifest.open().validate(should_stop=self._preparing_interrupted)
        except TransientError as exc:
            self._pause_and_stop(f"endpoint trouble while preparing, job paused: {exc}; resume with `job run`")
        except InputError as exc:
            self._set(S.FAILED, str(exc), [{"FailureCode": exc.code, "FailureReason": str(exc)}])
            return False
        except ScanStopped:
            if self.inbox.last == "cancel":
                self._set(S.CANCELLED, "cancelled while preparing")
                return False
            if self.shutdown_reason:
                self._set(S.PAUSED, self.shutdown_reason)
                raise StopRun from None
            self._set(S.PAUSED, "paused by the user while preparing; resume to prepare again")
            return self._wait_while_paused() and self._prepare()
        identity = {k: v for k, v in asdict(summary.identity).items() if v is not None}
        if generated is not None:
            identity |= {"generated_from": self.spec.manifest_generator.s3_job_manifest_generator.source_bucket,
                         "listed_objects": generated.listed_objects}  # fmt: skip
            if generated.output_location:
                identity["manifest_output"] = generated.output_location
                identity["manifest_output_etag"] = generated.output_etag
        self.total = summary.total_tasks
        self.engine.recorder.call(
            lambda: self.store.save_prepared(self.job_id, summary.total_tasks, identity, summary.skipped_delete_markers)
        ).result()
        self._set(S.SUSPENDED if self.spec.confirmation_required else S.READY)
        return True

    def _preparing_interrupted(self) -> bool:
        """Stop a long validation pass for a shutdown or a cancel (polled at most 4 times a second)."""
        if self.shutdown_reason is not None:
            return True
        return self.inbox.due() and self.inbox.take() in ("cancel", "pause")

    def _build_operation(self):
        context = OperationContext(
            self.engine.clients.client("s3"), self.job_id, self.engine.clients.client,
            delete_confirmed=self.engine.delete_confirmed, options=self.spec.options,
        )  # fmt: skip
        return build_operation(self.spec.operation, context)

    def _wait_for_confirmation(self) -> bool:
        while True:
            request = self._wait_for_request()
            if request == "confirm":
                self._set(S.READY)
                return True
            if request == "cancel":
                self._set(S.CANCELLED, "cancelled before it was confirmed")
                return False
            if request == EXPIRE_REQUEST:  # left Suspended too long (core/expiry.py)
                reason = expiry_reason(self.engine.settings.suspended_timeout_days)
                self._set(S.FAILED, reason, [{"FailureCode": EXPIRY_CODE, "FailureReason": reason}])
                return False

    # --- Active ---------------------------------------------------------------------------

    def _run_active(self) -> S | str:
        """Dispatch tasks until done, paused, cancelled or failed; returns what ended it."""
        try:
            operation = self._build_operation()
            entries = self.manifest.entries(self.store.get(self.job_id).manifest_identity or {},
                                            self.tally.resume_point)
        except TransientError as exc:
            self._pause_and_stop(f"endpoint trouble reading the manifest, job paused: {exc}; resume with `job run`")
        except InputError as exc:
            self.failure_reason = str(exc)
            return S.FAILED
        self._set(S.ACTIVE)
        self.tally.start_active()
        retry = self.health.task_policy
        batch_size = operation.batch_size if is_batch(operation) else 1
        execute = self.dispatch.execute_batch if is_batch(operation) else self.dispatch.execute
        started = is_async(operation)
        slots = STARTED_TASK_SLOTS if started else THREAD_TASK_SLOTS
        self.feed = Feed(entries, self.tally.is_done, batch_size, lambda: self.dispatch.idle)
        try:
            for batch in self.feed:
                stop = self._check_controls()
                while stop is None and not self.dispatch.send_to_pool(self._take_slots):  # retries of lean tasks
                    stop = self._check_controls(force=True)
                if batch is None:  # only tasks in flight, which may yet come back
                    self.dispatch.wait(CONTROL_POLL_SECONDS)
                    if stop is None:
                        continue
                while stop is None and self.health.breaker.is_open:
                    stop = self._ride_out_outage()
                while stop is None and not self.health.rate.wait():
                    stop = self._check_controls()
                while stop is None and not self._take_slots(slots):
                    stop = self._check_controls(force=True)
                if stop is not None:
                    return self._drain(stop)
                self.health.probe_bucket = batch[0].bucket
                self.dispatch.sent(len(batch))
                if started:
                    self.dispatch.start(operation, retry, batch[0])
                else:
                    self.engine.pool.submit(execute, operation, retry, batch if batch_size > 1 else batch[0])
        except TransientError as exc:  # the manifest stream could not be read on
            self.shutdown_reason = f"endpoint trouble reading the manifest, job paused: {exc}; resume with `job run`"
            return self._drain("paused")
        except InputError as exc:  # the manifest changed or vanished mid-run
            self.failure_reason = str(exc)
            return self._drain(S.FAILED)
        return self._drain(S.COMPLETE)

    def _take_slots(self, slots: int) -> bool:
        """Take `slots` of the shared window by the job's priority; False after a poll interval without."""
        return self.engine.window.acquire(self.inbox.priority, CONTROL_POLL_SECONDS, slots)

    def _ride_out_outage(self) -> S | str | None:
        """Dispatch nothing while the endpoint is down; pause once the outage budget is spent."""
        stop = self.health.ride_out_outage(self._check_controls, self._publish)
        if stop == "budget":
            self.shutdown_reason = self.health.breaker.budget_text()
            return "paused"
        return stop

    def _publish(self, reason: str | None = None, announce: bool = False) -> None:
        """Store the live state (rate, outage) when it changed, for `job show` and the TUI."""
        state = self.health.live_state(reason, force=announce)
        if state is None:
            return
        runtime, reason = state

        def write() -> None:
            self.store.set_runtime(self.job_id, runtime)
            if self.store.get(self.job_id).status == S.ACTIVE:
                self.store.set_status(self.job_id, S.ACTIVE, reason)

        self.engine.recorder.call(write).result()
        if announce:  # the progress line shows it
            self.engine.status_changed(self.job_id, S.ACTIVE, S.ACTIVE, reason)

    def _stopping(self) -> bool:
        return self.inbox.last == "cancel" or self.shutdown_reason is not None

    def _task_stopping(self) -> bool:
        """No further attempt: the job is stopping, or the endpoint is down (the task comes back)."""
        return self._stopping() or self.health.breaker.is_open

    def _check_controls(self, force: bool = False) -> S | str | None:
        """What should stop dispatching now: a status to end in, "paused", or None."""
        if self.failure_reason:
            return S.FAILED
        if self.shutdown_reason:
            return "paused"
        if not self.inbox.due(force):
            return None
        self._publish()
        request = self.inbox.take()
        if request == "cancel":
            return S.CANCELLED
        if request == "pause":
            return "paused"
        if request == RELEASE:  # pause at a checkpoint and let go of the job
            self.shutdown_reason = self.store.get(self.job_id).status_reason or "released by request"
            return "paused"
        return None

    def _drain(self, ending: S | str) -> S | str:
        """Stop dispatching, let in-flight tasks finish, and commit where we are."""
        transitional = {S.CANCELLED: S.CANCELLING, S.FAILED: S.FAILING, "paused": S.PAUSING}
        if ending in transitional:
            self._set(transitional[ending], self.shutdown_reason)
        self.dispatch.wait_idle(self._take_slots, CONTROL_POLL_SECONDS)
        if ending == S.COMPLETE and self.failure_reason:
            ending = S.FAILED  # the last tasks in flight crossed the failure threshold
        self.tally.stop_active()
        self.engine.recorder.call(self._final_checkpoint).result()
        self.health.forget_published()
        self.engine.recorder.call(lambda: self.store.set_runtime(self.job_id, None)).result()
        if ending == "paused":
            self._set(S.PAUSED, self.shutdown_reason or "paused by the user")
        return ending

    def _final_checkpoint(self) -> None:
        self.engine.recorder.checkpoint(self)
        self.engine.recorder.emit_progress(self)  # listeners see the final counts

    def _wait_while_paused(self) -> bool:
        """Hold the paused job until resumed (True) or cancelled (False)."""
        if self.shutdown_reason:
            raise StopRun
        while True:
            request = self._wait_for_request()
            if request == "resume":
                return True
            if request == "cancel":
                self._finish(S.CANCELLED)
                return False
            if request == RELEASE:  # paused at a checkpoint already: let go of the job
                self._pause_and_stop(self.store.get(self.job_id).status_reason or "released by request")

    def _wait_for_request(self) -> str:
        request = self.inbox.wait(lambda: self.shutdown_reason is not None)
        if request is None:  # this process is going away
            raise StopRun
        return request

    # --- the end --------------------------------------------------------------------------

    def _finish(self, ending: S, reasons: list[dict[str, str]] | None = None) -> None:
        """Write the report (if any task ran) and reach the terminal status.

        A report that cannot be written (after retries) leaves the job Paused with the
        reason, not terminal: `job run` later writes it from the staging files and ends
        the job as it was ending, without running any task again.
        """
        transitional = {S.COMPLETE: S.COMPLETING, S.CANCELLED: S.CANCELLING, S.FAILED: S.FAILING}
        current = self.store.get(self.job_id).status
        if current != transitional[ending] and current not in (S.NEW, S.SUSPENDED):
            self._set(transitional[ending])
        if ending == S.FAILED and reasons is None:
            reason = self.failure_reason or "the job failed"
            code = "FailureThresholdExceeded" if self.tally.threshold_exceeded(self.threshold) else "JobFailed"
            reasons = [{"FailureCode": code, "FailureReason": reason}]
        try:
            self._write_report()
        except Exception as exc:  # noqa: BLE001 - whatever stopped it, the job must stay resumable
            log.warning("job %s: report not written: %s", self.job_id, exc)
            self.shutdown_reason = f"{REPORT_NOT_WRITTEN}: {exc}; resume with `job run` to write it"
            self._set(S.PAUSED, self.shutdown_reason, reasons)
            raise StopRun from None
        self.engine.recorder.call(lambda: self.store.set_runtime(self.job_id, None)).result()
        self._set(ending, reasons[0]["FailureReason"] if reasons else None, reasons)

    def _write_report(self) -> None:
        if not self.spec.report.enabled or self.tally.done == 0:
            return
        self.staging.flush()
        location = write_report(self.job_id, self.spec.report, self.staging, self.health.s3())
        self.engine.recorder.call(lambda: self.store.set_report_location(self.job_id, location)).result()
