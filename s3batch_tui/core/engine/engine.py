"""The engine: one shared worker pool, one recorder, one `JobRun` per job it runs."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from s3batch_tui.core.create import create_job
from s3batch_tui.core.engine.events import EngineEvent, EngineListener, JobStatusChanged
from s3batch_tui.core.engine.job_run import JobRun
from s3batch_tui.core.engine.recorder import Recorder
from s3batch_tui.core.engine.window import SLOTS_PER_WORKER, PriorityWindow
from s3batch_tui.core.errors import JobStateError
from s3batch_tui.core.expiry import expire_suspended
from s3batch_tui.core.handover.record import runner_refusal
from s3batch_tui.core.s3 import ClientFactory
from s3batch_tui.core.spec import JobSpec
from s3batch_tui.core.status import JobStatus
from s3batch_tui.core.store import JobRecord, Store, runner_identity
from s3batch_tui.settings import Settings

log = logging.getLogger(__name__)


class Engine:
    """Runs jobs on a bounded, shared thread pool and reports what happens to listeners.

    Jobs are created and steered through the store, so several engines (processes) can
    share one store; a job runs in the engine that holds its lease.
    """

    def __init__(
        self, settings: Settings, store: Store, clients: ClientFactory | None = None, *, delete_confirmed: bool = False
    ) -> None:
        self.settings = settings
        self.delete_confirmed = delete_confirmed  # --yes-delete: LocalDeleteObject may run
        self.store = store
        self.clients = clients or ClientFactory(max_pool_connections=settings.workers)
        self.owner = runner_identity()
        self.window = PriorityWindow(settings.workers * SLOTS_PER_WORKER)
        self.pool = ThreadPoolExecutor(settings.workers, thread_name_prefix="s3batch-worker")
        self.recorder = Recorder(store, self.owner, self.emit)
        self.recorder.start()
        self._listeners: list[EngineListener] = []
        self._runs: dict[str, JobRun] = {}
        self._lock = threading.Lock()
        self._ended = threading.Condition(self._lock)

    # --- events -----------------------------------------------------------------------

    def add_listener(self, listener: EngineListener) -> None:
        """Call `listener` with every event from now on."""
        self._listeners.append(listener)

    def emit(self, event: EngineEvent) -> None:
        """Send an event to every listener; a failing listener does not stop the engine."""
        for listener in self._listeners:
            try:
                listener(event)
            except Exception:
                log.exception("engine listener failed")

    def status_changed(self, job_id: str, old: JobStatus, new: JobStatus, reason: str | None) -> None:
        """Called by job runs after each committed status change."""
        self.emit(JobStatusChanged(job_id, old, new, reason, time.time()))

    # --- jobs -------------------------------------------------------------------------

    def create(self, spec: JobSpec) -> JobRecord:
        """Store a new job (status New); it runs once started."""
        return self.store.get(create_job(self.store, spec))

    def start(self, job_id: str) -> None:
        """Run (or resume) a job in this engine, in the background."""
        self.store.reap_orphans()
        expire_suspended(self.store, timeout_days=self.settings.suspended_timeout_days)
        record = self.store.get(job_id)
        if record.status.is_terminal:
            raise JobStateError(f"job {job_id} has already ended ({record.status})")
        refusal = runner_refusal(self.settings.job_dir(job_id))
        if refusal:
            raise JobStateError(f"job {job_id} does not run here: {refusal}")
        with self._lock:
            if job_id in self._runs:
                return
            if not self.store.acquire_lease(job_id, self.owner):
                raise JobStateError(f"job {job_id} is being run by another process ({record.lease_owner})")
            run = JobRun(self, job_id)
            self._runs[job_id] = run
        run.thread.start()

    def job_ended(self, run: JobRun) -> None:
        """Called by a job run's thread as it ends."""
        self.store.release_lease(run.job_id, self.owner)
        with self._ended:
            self._runs.pop(run.job_id, None)
            self._ended.notify_all()

    def running(self) -> list[str]:
        """Ids of the jobs this engine is running."""
        with self._lock:
            return list(self._runs)

    def wait(self, job_id: str, timeout: float | None = None) -> JobRecord:
        """Block until this engine stops running `job_id`; returns the job as stored."""
        with self._ended:
            self._ended.wait_for(lambda: job_id not in self._runs, timeout)
        return self.store.get(job_id)

    def shutdown(self, reason: str = "the process running it stopped; resume to continue") -> None:
        """Pause every running job (it resumes later where it stopped) and stop the threads."""
        with self._lock:
            runs = list(self._runs.values())
        for run in runs:
            run.request_shutdown(reason)
        for run in runs:
            if run.thread.ident is not None:  # Ctrl-C can land between lease and thread start
                run.thread.join()
        self.recorder.stop()
        self.pool.shutdown(wait=True)

    def when(self, predicate: Callable[[EngineEvent], bool]) -> threading.Event:
        """An Event set once an engine event satisfies `predicate` (handy in tests)."""
        flag = threading.Event()
        self.add_listener(lambda event: flag.set() if predicate(event) else None)
        return flag
