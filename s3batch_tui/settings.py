"""Settings and paths: one model; `S3BATCH_TUI_HOME` (or `--data-dir`) moves all state."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs
from pydantic import BaseModel, Field

APP_NAME = "s3batch-tui"
ENV_PREFIX = "S3BATCH_TUI_"


class Settings(BaseModel):
    """Where state lives and how jobs run by default.

    Attributes:
        data_dir: the store, staging files and generated manifests live here.
        workers: threads in the shared worker pool (boto3's connection pool matches); the
            lean path's requests hold no thread and 16 per worker are in flight.
        suspended_timeout_days: a job left Suspended (unconfirmed) this long fails, as on AWS.
    """

    data_dir: Path
    workers: int = Field(default=16, ge=1, le=512)
    suspended_timeout_days: float = Field(default=30.0, gt=0)

    @classmethod
    def load(cls, data_dir: Path | str | None = None, workers: int | None = None) -> Settings:
        """Settings from explicit values, then `S3BATCH_TUI_*` variables, then defaults."""
        home = data_dir or os.environ.get(f"{ENV_PREFIX}HOME") or platformdirs.user_data_dir(APP_NAME)
        env_workers = os.environ.get(f"{ENV_PREFIX}WORKERS")
        env_timeout = os.environ.get(f"{ENV_PREFIX}SUSPENDED_TIMEOUT_DAYS")
        return cls(
            data_dir=Path(home).expanduser().absolute(),
            workers=workers or (int(env_workers) if env_workers else 16),
            suspended_timeout_days=float(env_timeout) if env_timeout else 30.0,
        )

    @property
    def db_path(self) -> Path:
        """The SQLite store (created on first use)."""
        return self.data_dir / "jobs.sqlite3"

    def job_dir(self, job_id: str) -> Path:
        """A job's own directory: report staging files, generated manifests."""
        return self.data_dir / "jobs" / job_id
