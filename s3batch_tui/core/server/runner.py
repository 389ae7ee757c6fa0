"""The jobs the server accepted: run in one in-process engine, resumed after a restart.

One engine means one shared pool of `--workers` threads for every served job, fed by
priority (the engine's priority window), so concurrency is bounded however many jobs
arrive. A served job is marked by a file in its job directory; on start the server
resumes every served job that is not over, unless a user paused it on purpose or
another process runs it. On stop, running jobs are paused with a reason that says so.
"""

from __future__ import annotations

import logging

from s3batch_tui.core.engine.engine import Engine
from s3batch_tui.core.errors import JobStateError
from s3batch_tui.core.s3 import ClientFactory
from s3batch_tui.core.status import JobStatus
from s3batch_tui.core.store import Store
from s3batch_tui.settings import Settings

log = logging.getLogger(__name__)

MARKER = "served"
STOP_REASON = "the s3batch-tui server stopped; it resumes the job when it starts again"
USER_PAUSE_REASON = "paused by the user"  # how the reasons of deliberate pauses begin (control, job runs)


class ServedJobs:
    """Starts, resumes and stops the jobs created through the server."""

    def __init__(self, settings: Settings, store: Store, clients: ClientFactory) -> None:
        self.settings = settings
        self.store = store
        self.engine = Engine(settings, store, clients)

    def _marker(self, job_id: str):
        return self.settings.job_dir(job_id) / MARKER

    def adopt(self, job_id: str) -> None:
        """Take a new job on: mark it as served and start running it."""
        marker = self._marker(job_id)
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
        self.run(job_id)

    def run(self, job_id: str) -> None:
        """Run the job in this engine unless it already runs here or elsewhere."""
        try:
            self.engine.start(job_id)
        except JobStateError as exc:  # over, or another process holds it: it needs nothing from us
            log.info("not running job %s: %s", job_id, exc)

    def resume_all(self) -> list[str]:
        """Resume every served job left unfinished; returns their ids."""
        self.store.reap_orphans()
        resumed = []
        for record in self.store.list():
            if record.status.is_terminal or not self._marker(record.id).exists():
                continue
            if record.status == JobStatus.PAUSED and (record.status_reason or "").startswith(USER_PAUSE_REASON):
                continue
            if self.store.lease_is_live(record):
                continue
            self.run(record.id)
            resumed.append(record.id)
        return sorted(resumed)

    def stop(self) -> None:
        """Pause every running job (resumed on the next start) and stop the engine's threads."""
        self.engine.shutdown(STOP_REASON)
