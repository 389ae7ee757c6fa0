"""The recorder: the engine's only store writer, folding task outcomes into checkpoints."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from s3batch_tui.core.engine.events import JobProgressed, TaskFailed
from s3batch_tui.core.manifest.entry import ManifestEntry
from s3batch_tui.core.operations.base import TaskOutcome
from s3batch_tui.core.store import Store

if TYPE_CHECKING:
    from s3batch_tui.core.engine.job_run import JobRun

log = logging.getLogger(__name__)

CHECKPOINT_EVERY_TASKS = 500
CHECKPOINT_EVERY_SECONDS = 1.0
PROGRESS_EVERY_SECONDS = 0.1
HEARTBEAT_EVERY_SECONDS = 3.0


class Recorder:
    """One thread that owns all of an engine's writes, in the order they were asked for.

    Workers hand it outcomes; job runs hand it calls (status changes, final checkpoints)
    and wait on the returned future. It commits a checkpoint per job every few hundred
    tasks or about a second, emits progress at most ten times a second per job, and
    renews the leases of the jobs it records for.
    """

    def __init__(self, store: Store, owner: str, emit: Callable[[Any], None]) -> None:
        self.store = store
        self.owner = owner
        self.emit = emit
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._runs: dict[str, JobRun] = {}
        self._thread = threading.Thread(target=self._loop, name="s3batch-recorder", daemon=True)
        self._stopping = False

    def start(self) -> None:
        """Start the thread."""
        self._thread.start()

    def stop(self) -> None:
        """Finish what is queued, then stop."""
        self.call(self._halt).result()
        self._thread.join()

    def _halt(self) -> None:
        self._stopping = True

    # --- what other threads call --------------------------------------------------------

    def record(self, run: JobRun, entry: ManifestEntry, outcome: TaskOutcome) -> None:
        """Queue one task's outcome (called from worker threads)."""
        self._queue.put((run, entry, outcome))

    def call(self, fn: Callable[[], Any]) -> Future:
        """Run `fn` on the recorder thread, after everything queued before it."""
        future: Future = Future()
        self._queue.put((fn, future, None))
        return future

    def attach(self, run: JobRun) -> None:
        """Start recording for a job (its checkpoints, heartbeat and progress)."""
        self.call(lambda: self._runs.__setitem__(run.job_id, run)).result()

    def detach(self, run: JobRun) -> None:
        """Stop recording for a job, after a last checkpoint."""
        self.call(lambda: (self.checkpoint(run), self._runs.pop(run.job_id, None))).result()

    # --- the thread ---------------------------------------------------------------------

    def _loop(self) -> None:
        now = time.monotonic()
        last_checkpoint = last_progress = last_heartbeat = now
        while not self._stopping:
            try:
                item = self._queue.get(timeout=PROGRESS_EVERY_SECONDS / 2)
            except queue.Empty:
                item = None
            if item is not None:
                self._handle(item)
            now = time.monotonic()
            if now - last_checkpoint >= CHECKPOINT_EVERY_SECONDS:
                last_checkpoint = now
                for run in list(self._runs.values()):
                    if run.tally.since_checkpoint:
                        self._guarded(self.checkpoint, run)
            if now - last_progress >= PROGRESS_EVERY_SECONDS:
                last_progress = now
                for run in list(self._runs.values()):
                    if run.progress_dirty:
                        self.emit_progress(run)
            if now - last_heartbeat >= HEARTBEAT_EVERY_SECONDS:
                last_heartbeat = now
                self._guarded(self.store.renew_leases, self.owner, list(self._runs))

    def _handle(self, item: tuple) -> None:
        first, second, third = item
        if isinstance(second, Future):
            if second.set_running_or_notify_cancel():
                try:
                    second.set_result(first())
                except BaseException as exc:  # the caller gets it from the future
                    second.set_exception(exc)
            return
        run, entry, outcome = first, second, third
        failure = run.tally.fold(entry, outcome)
        run.progress_dirty = True
        if failure is not None:
            self.emit(TaskFailed(run.job_id, entry.ordinal, entry.bucket, entry.key, entry.version_id,
                                 outcome.http_status, outcome.error_code, outcome.message))  # fmt: skip
            reason = run.tally.threshold_exceeded(run.threshold)
            if reason:
                run.request_failure(reason)
        run.staging.append(entry, outcome)
        if run.tally.since_checkpoint >= CHECKPOINT_EVERY_TASKS:
            self._guarded(self.checkpoint, run)
        run.task_finished()

    def _guarded(self, fn: Callable, *args: Any) -> None:
        # A failing write (disk full, locked database) must not kill the recorder: the
        # next checkpoint retries, and nothing is acknowledged that was not committed.
        try:
            fn(*args)
        except Exception:
            log.exception("store write failed; will retry at the next checkpoint")

    def checkpoint(self, run: JobRun) -> None:
        """Flush the staging files and commit the job's progress with its new failures."""
        lengths = run.staging.flush()
        failures = run.tally.pending_failures
        self.store.checkpoint(run.job_id, run.tally.checkpoint(lengths), failures)
        run.tally.take_failures()

    def emit_progress(self, run: JobRun) -> None:
        """Send a JobProgressed event for `run`."""
        run.progress_dirty = False
        tally = run.tally
        rate = tally.rate()
        remaining = None if run.total is None else max(run.total - tally.done, 0)
        eta = remaining / rate if remaining is not None and rate > 0 else None
        self.emit(JobProgressed(run.job_id, run.total, tally.succeeded, tally.failed,
                                tally.active_seconds, rate, eta))  # fmt: skip
