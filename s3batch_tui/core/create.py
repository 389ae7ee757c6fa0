"""Creating a job from a request: the one entry point the CLI, TUI and server share."""

from __future__ import annotations

import uuid

from s3batch_tui.core.spec import JobSpec
from s3batch_tui.core.store import Store


def create_job(store: Store, spec: JobSpec) -> str:
    """Store `spec` as a new job in status New; returns its id."""
    job_id = str(uuid.uuid4())
    store.create_job(job_id, spec)
    return job_id
