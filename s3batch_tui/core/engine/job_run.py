"""One job's life in a runner: prepare, wait for confirmation, dispatch, finish.

A `JobRun` owns a thread that walks the job through SPEC.md's statuses. It feeds
tasks into the engine's shared pool through the priority window, reacts to control
requests (pause, resume, cancel, confirm, priority) written to the store by any
process, and ends with the completion report and a terminal status.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict
from typing import TYPE_CHECKING

from s3batch_tui.core.engine.ratelimit import RateLimiter
from s3batch_tui.core.engine.retry import RetryPolicy, outcome_from_exception
from s3batch_tui.core.engine.tally import Tally
from s3batch_tui.core.errors import InputError
from s3batch_tui.core.manifest.entry import ManifestEntry
from s3batch_tui.core.manifest.generator import generate_manifest
from s3batch_tui.core.manifest.open import open_manifest
from s3batch_tui.core.manifest.scan import ScanStopped
from s3batch_tui.core.manifest.unchanged import verify_unchanged
from s3batch_tui.core.operations.base import OperationContext, is_batch
from s3batch_tui.core.operations.registry import build_operation
from s3batch_tui.core.report import ReportStaging, write_report
from s3batch_tui.core.spec import Manifest
from s3batch_tui.core.status import JobStatus as S

if TYPE_CHECKING:
    from s3batch_tui.core.engine.engine import Engine

log = logging.getLogger(__name__)

CONTROL_POLL_SECONDS = 0.25


def _batches(entries: Iterator[ManifestEntry], size: int) -> Iterator[list[ManifestEntry]]:
    """Consecutive entries in lists of at most `size` (a rate limit counts calls, not objects)."""
    batch: list[ManifestEntry] = []
    for entry in entries:
        batch.append(entry)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


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
        self.priority = record.priority
        self.tally = Tally(record.checkpoint)
        self.staging = ReportStaging(engine.settings.job_dir(job_id) / "staging", self.spec.report.scope)
        self.staging.truncate_to(record.staging_lengths)
        self.progress_dirty = False
        self.failure_reason: str | None = None
        self.shutdown_reason: str | None = None
        self._in_flight = 0
        self._in_flight_changed = threading.Condition()
        self._next_poll = 0.0
        self._request: str | None = None
        self.thread = threading.Thread(target=self._main, name=f"job-{job_id[:8]}", daemon=True)

    # --- called from other threads ----------------------------------------------------

    def task_finished(self) -> None:
        """The recorder folded one outcome in (recorder thread)."""
        with self._in_flight_changed:
            self._in_flight -= 1
            self._in_flight_changed.notify_all()

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
        request = self._take_request()  # a request left while no runner held the job
        if status == S.CANCELLING or request == "cancel":
            return self._finish(S.CANCELLED)
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

    def _set(self, status: S, reason: str | None = None, failure_reasons=None) -> None:
        old = self.store.get(self.job_id).status
        if old == status and reason is None:
            return
        record = self.engine.recorder.call(
            lambda: self.store.set_status(self.job_id, status, reason, failure_reasons, clear_request=True)
        ).result()
        self.engine.status_changed(self.job_id, old, record.status, reason)

    # --- Preparing ----------------------------------------------------------------------

    def _prepare(self) -> bool:
        self._set(S.PREPARING)
        try:
            self._build_operation()
            generated = self._generate_manifest() if self.spec.manifest_generator else None
            source = open_manifest(self._manifest(), self.engine.clients.client("s3"))
            summary = source.validate(should_stop=self._preparing_interrupted)
        except InputError as exc:
            self._set(S.FAILED, str(exc), [{"FailureCode": exc.code, "FailureReason": str(exc)}])
            return False
        except ScanStopped:
            if self._request == "cancel":
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
        now = time.monotonic()
        if now >= self._next_poll:
            self._next_poll = now + CONTROL_POLL_SECONDS
            return self._take_request() in ("cancel", "pause")
        return False

    @property
    def _generated_path(self):
        return self.engine.settings.job_dir(self.job_id) / "generated-manifest.csv"

    def _generate_manifest(self):
        """List the source bucket once, into a local CSV that the run (and a resume) reads."""
        generator = self.spec.manifest_generator.s3_job_manifest_generator
        return generate_manifest(generator, self.engine.clients.client("s3"), self._generated_path, self.job_id)

    def _manifest(self) -> Manifest:
        """The manifest the tasks come from: the job's own, or the one generated for it."""
        if self.spec.manifest is not None:
            return self.spec.manifest
        return Manifest.model_validate({
            "Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]},
            "Location": {"ObjectArn": f"file://{self._generated_path}"},
        })  # fmt: skip

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

    # --- Active ---------------------------------------------------------------------------

    def _run_active(self) -> S | str:
        """Dispatch tasks until done, paused, cancelled or failed; returns what ended it."""
        try:
            operation = self._build_operation()
            entries = self._open_entries()
        except InputError as exc:
            self.failure_reason = str(exc)
            return S.FAILED
        self._set(S.ACTIVE)
        self.tally.start_active()
        rate = self.spec.options.max_operations_per_second
        limiter = RateLimiter(rate) if rate else None
        retry = RetryPolicy(max_attempts=self.spec.options.max_attempts)
        batch_size = operation.batch_size if is_batch(operation) else 1
        execute = self._execute_batch if is_batch(operation) else self._execute
        try:
            for batch in _batches((e for e in entries if not self.tally.is_done(e.ordinal)), batch_size):
                stop = self._check_controls()
                while stop is None and limiter is not None and not limiter.wait():
                    stop = self._check_controls()
                while stop is None and not self.engine.window.acquire(self.priority, timeout=CONTROL_POLL_SECONDS):
                    stop = self._check_controls(force=True)
                if stop is not None:
                    return self._drain(stop)
                with self._in_flight_changed:
                    self._in_flight += len(batch)
                self.engine.pool.submit(execute, operation, retry, batch if batch_size > 1 else batch[0])
        except InputError as exc:  # the manifest changed or vanished mid-run
            self.failure_reason = str(exc)
            return self._drain(S.FAILED)
        return self._drain(S.COMPLETE)

    def _open_entries(self):
        manifest = self._manifest()
        verify_unchanged(manifest.location, self.store.get(self.job_id).manifest_identity or {})
        source = open_manifest(manifest, self.engine.clients.client("s3"))
        start = self.tally.resume_point
        return source.entries(start=start[1], start_ordinal=start[0]) if start else source.entries()

    def _execute(self, operation, retry: RetryPolicy, entry: ManifestEntry) -> None:
        try:
            outcome, _attempts = retry.execute(operation, entry, should_stop=self._stopping)
        except BaseException as exc:  # never lose a task: whatever happened is its outcome
            outcome = outcome_from_exception(exc)
        self.engine.recorder.record(self, entry, outcome)
        self.engine.window.release()

    def _execute_batch(self, operation, retry: RetryPolicy, batch: list[ManifestEntry]) -> None:
        try:
            outcomes = retry.execute_batch(operation, batch, should_stop=self._stopping)
        except BaseException as exc:  # never lose a task: whatever happened is its outcome
            outcomes = [outcome_from_exception(exc)] * len(batch)
        for entry, outcome in zip(batch, outcomes, strict=True):
            self.engine.recorder.record(self, entry, outcome)
        self.engine.window.release()

    def _stopping(self) -> bool:
        return self._request == "cancel" or self.shutdown_reason is not None

    def _check_controls(self, force: bool = False) -> S | str | None:
        """What should stop dispatching now: a status to end in, "paused", or None."""
        if self.failure_reason:
            return S.FAILED
        if self.shutdown_reason:
            return "paused"
        now = time.monotonic()
        if not force and now < self._next_poll:
            return None
        self._next_poll = now + CONTROL_POLL_SECONDS
        request = self._take_request()
        if request == "cancel":
            return S.CANCELLED
        if request == "pause":
            return "paused"
        return None

    def _take_request(self) -> str | None:
        record = self.store.get(self.job_id)
        self.priority = record.priority
        self._request = record.requested
        if record.requested:
            self.engine.recorder.call(lambda: self.store.set_request(self.job_id, None)).result()
        return record.requested

    def _drain(self, ending: S | str) -> S | str:
        """Stop dispatching, let in-flight tasks finish, and commit where we are."""
        transitional = {S.CANCELLED: S.CANCELLING, S.FAILED: S.FAILING, "paused": S.PAUSING}
        if ending in transitional:
            self._set(transitional[ending], self.shutdown_reason)
        with self._in_flight_changed:
            self._in_flight_changed.wait_for(lambda: self._in_flight == 0)
        if ending == S.COMPLETE and self.failure_reason:
            ending = S.FAILED  # the last tasks in flight crossed the failure threshold
        self.tally.stop_active()
        self.engine.recorder.call(self._final_checkpoint).result()
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

    def _wait_for_request(self) -> str:
        while True:
            if self.shutdown_reason:
                raise StopRun
            request = self._take_request()
            if request:
                return request
            time.sleep(CONTROL_POLL_SECONDS)

    # --- the end --------------------------------------------------------------------------

    def _finish(self, ending: S) -> None:
        """Write the report (if any task ran) and reach the terminal status."""
        transitional = {S.COMPLETE: S.COMPLETING, S.CANCELLED: S.CANCELLING, S.FAILED: S.FAILING}
        current = self.store.get(self.job_id).status
        if current != transitional[ending] and current not in (S.NEW, S.SUSPENDED):
            self._set(transitional[ending])
        reasons = None
        if ending == S.FAILED:
            reason = self.failure_reason or "the job failed"
            code = "FailureThresholdExceeded" if self.tally.threshold_exceeded(self.threshold) else "JobFailed"
            reasons = [{"FailureCode": code, "FailureReason": reason}]
        try:
            self._write_report()
        except Exception as exc:
            message = f"the completion report could not be written: {exc}"
            reasons = (reasons or []) + [{"FailureCode": "ReportWriteFailed", "FailureReason": message}]
            ending = S.FAILED
        self._set(ending, reasons[0]["FailureReason"] if reasons else None, reasons)

    def _write_report(self) -> None:
        if not self.spec.report.enabled or self.tally.done == 0:
            return
        self.staging.flush()
        location = write_report(self.job_id, self.spec.report, self.staging, self.engine.clients.client("s3"))
        self.engine.recorder.call(lambda: self.store.set_report_location(self.job_id, location)).result()
