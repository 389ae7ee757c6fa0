"""SQLite store: jobs, checkpoints, failures, status history (the only code that speaks SQL)."""

from s3batch_tui.core.store.mirror import BackendIdentity, JobMirror, MirroredJob
from s3batch_tui.core.store.records import Checkpoint, FailureRow, JobRecord
from s3batch_tui.core.store.schema import MIGRATIONS
from s3batch_tui.core.store.runners import LEASE_SECONDS, OWNED, runner_identity
from s3batch_tui.core.store.store import LeaseHeld, Store

__all__ = ["LEASE_SECONDS", "MIGRATIONS", "OWNED", "BackendIdentity", "Checkpoint", "FailureRow", "JobMirror", "JobRecord",
           "LeaseHeld", "MirroredJob", "Store", "runner_identity"]
