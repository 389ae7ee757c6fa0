"""What a user can do to a job from an interactive front end, in one place.

Control goes through the store (`request_control`); when nobody runs the job, the
launcher starts a runner so that the request takes effect.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field

from s3batch_tui.core.engine.control import ControlResult, request_control
from s3batch_tui.core.errors import JobStateError
from s3batch_tui.core.launcher import Launcher
from s3batch_tui.core.retry_failed import create_retry_job
from s3batch_tui.core.spec import JobSpec
from s3batch_tui.core.status import JobStatus
from s3batch_tui.core.store import Store
from s3batch_tui.settings import Settings

MAX_PRIORITY = 2147483647


@dataclass
class JobActions:
    """Create, run and steer jobs; every method may block briefly on SQLite (call from a worker)."""

    store: Store
    settings: Settings
    launcher: Launcher
    _priority_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    """Priority changes read, add and write: a burst of `+` presses must not read the same value."""

    def create(self, spec: JobSpec, run: bool, workers: int | None = None) -> str:
        """Store a new job and, if asked, start running it (with `workers` threads, default: settings)."""
        job_id = str(uuid.uuid4())
        self.store.create_job(job_id, spec)
        if run:
            self.launcher.start(job_id, workers=workers)
        return job_id

    def run(self, job_id: str) -> None:
        """Start a runner for a New, Ready or Paused job."""
        record = self.store.get(job_id)
        if record.status.is_terminal:
            raise JobStateError(f"job {job_id[:8]} has already ended ({record.status})")
        if self.store.lease_is_live(record):
            raise JobStateError(f"job {job_id[:8]} is already running")
        self.launcher.start(job_id)

    def pause_or_resume(self, job_id: str) -> str:
        """Pause a running job, or resume a paused one; returns what was done."""
        status = self.store.get(job_id).status
        if status in (JobStatus.PAUSED, JobStatus.PAUSING):
            self._control(job_id, "resume")
            return "resumed"
        self._control(job_id, "pause")
        return "paused"

    def pause(self, job_id: str) -> None:
        """Pause a job wherever it runs (its runner acts on the request within a second)."""
        self._control(job_id, "pause")

    def cancel(self, job_id: str) -> None:
        """Cancel a job (its runner writes the report of what ran)."""
        self._control(job_id, "cancel")

    def confirm(self, job_id: str) -> None:
        """Confirm a Suspended job so it runs."""
        self._control(job_id, "confirm")

    def change_priority(self, job_id: str, delta: int) -> int:
        """Raise or lower the priority by `delta`, within AWS's bounds; returns the new one."""
        with self._priority_lock:
            priority = min(max(self.store.get(job_id).priority + delta, 0), MAX_PRIORITY)
            self.store.set_priority(job_id, priority)
        return priority

    def retry_failed(self, job_id: str, run: bool = True) -> str:
        """A new job over the failed tasks; started right away unless `run` is False."""
        new_id = create_retry_job(self.store, self.settings, job_id)
        if run:
            self.launcher.start(new_id)
        return new_id

    def _control(self, job_id: str, action: str) -> None:
        result = request_control(self.store, job_id, action)
        if result == ControlResult.NEEDS_RUNNER or (
            result == ControlResult.DONE and action in ("resume", "confirm")
        ):
            self.launcher.start(job_id)
