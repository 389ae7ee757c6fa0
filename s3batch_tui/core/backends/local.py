"""The local backend: jobs in our SQLite store, run by our engine in runner processes.

Control goes through the store (`request_control`); when nobody runs the job, the
launcher starts a runner so that the request takes effect.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from s3batch_tui.core.backends.base import MAX_PRIORITY, Backend
from s3batch_tui.core.create import create_job
from s3batch_tui.core.describe import describe_job, list_item
from s3batch_tui.core.engine.control import ControlResult, request_control
from s3batch_tui.core.errors import JobStateError
from s3batch_tui.core.job_tags import get_tags, put_tags
from s3batch_tui.core.launcher import Launcher
from s3batch_tui.core.retry_failed import create_retry_job
from s3batch_tui.core.spec import JobSpec
from s3batch_tui.core.status import JobStatus
from s3batch_tui.core.store import Store
from s3batch_tui.settings import Settings


@dataclass
class LocalBackend(Backend):
    """Create, run and steer jobs in the local store; every method may block briefly on SQLite."""

    store: Store
    settings: Settings
    launcher: Launcher
    _priority_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    """Priority changes read, add and write: a burst of `+` presses must not read the same value."""

    @property
    def label(self) -> str:
        """The header's name for this backend."""
        return "local"

    def list_jobs(self) -> list[dict[str, Any]]:
        """Every stored job, newest first."""
        return [list_item(record) for record in self.store.list()]

    def describe(self, job_id: str) -> dict[str, Any]:
        """The job as `job show --json` shows it (with the `Local` extras)."""
        return describe_job(self.store.get(job_id), self.store)["Job"]

    def resolve(self, job_id: str) -> str:
        """A full job id from an id or unique prefix."""
        return self.store.resolve(job_id)

    def create(self, spec: JobSpec, run: bool = True, workers: int | None = None) -> str:
        """Store a new job and, if asked, start running it (with `workers` threads, default: settings)."""
        job_id = create_job(self.store, spec)
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

    def set_priority(self, job_id: str, priority: int) -> int:
        """A running job picks the new priority up within a second."""
        self.store.set_priority(job_id, priority)
        return priority

    def change_priority(self, job_id: str, delta: int) -> int:
        """Raise or lower the priority by `delta` (read from the store, not a whole describe).

        Read, add and write under a lock: a burst of `+` presses must not read the same value.
        """
        with self._priority_lock:
            priority = min(max(self.store.get(job_id).priority + delta, 0), MAX_PRIORITY)
            return self.set_priority(job_id, priority)

    def get_tags(self, job_id: str) -> list[dict[str, str]]:
        """The tags of the stored spec."""
        return get_tags(self.store, job_id)

    def put_tags(self, job_id: str, tags: list[dict[str, str]]) -> list[dict[str, str]]:
        """Replace the tags (any status)."""
        return put_tags(self.store, job_id, tags)

    def retry_failed(self, job_id: str, run: bool = True) -> str:
        """A new job over the failed tasks; started right away unless `run` is False."""
        new_id = create_retry_job(self.store, self.settings, job_id)
        if run:
            self.launcher.start(new_id)
        return new_id

    def report_location(self, job_id: str) -> str | None:
        """Where the finished report was written (None until then, or without a report)."""
        return self.store.get(job_id).report_location

    def _control(self, job_id: str, action: str) -> None:
        result = request_control(self.store, job_id, action)
        if result == ControlResult.NEEDS_RUNNER or (
            result == ControlResult.DONE and action in ("resume", "confirm")
        ):
            self.launcher.start(job_id)
