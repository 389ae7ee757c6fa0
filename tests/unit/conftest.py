"""Helpers for core unit tests: a job spec, a controllable clock, a store in tmp_path."""

from __future__ import annotations

import socket
import subprocess

import pytest

from s3batch_tui.core.spec import JobSpec, parse_job_spec
from s3batch_tui.core.status import JobStatus
from s3batch_tui.core.store import Store

SPEC_JSON = """{
  "Operation": {"S3DeleteObjectTagging": {}},
  "Report": {"Enabled": false},
  "Manifest": {
    "Spec": {"Format": "S3BatchOperations_CSV_20180820"},
    "Location": {"ObjectArn": "file:///tmp/m.csv"}
  }
}"""

# The legal way from New to each status a test may need a job in.
PATHS: dict[JobStatus, list[JobStatus]] = {
    JobStatus.NEW: [],
    JobStatus.PREPARING: [JobStatus.PREPARING],
    JobStatus.SUSPENDED: [JobStatus.PREPARING, JobStatus.SUSPENDED],
    JobStatus.READY: [JobStatus.PREPARING, JobStatus.READY],
    JobStatus.ACTIVE: [JobStatus.PREPARING, JobStatus.READY, JobStatus.ACTIVE],
    JobStatus.PAUSED: [JobStatus.PREPARING, JobStatus.READY, JobStatus.ACTIVE, JobStatus.PAUSED],
    JobStatus.COMPLETE: [JobStatus.PREPARING, JobStatus.READY, JobStatus.ACTIVE, JobStatus.COMPLETING,
                         JobStatus.COMPLETE],
    JobStatus.CANCELLED: [JobStatus.CANCELLED],
    JobStatus.FAILED: [JobStatus.PREPARING, JobStatus.FAILED],
}  # fmt: skip


class FakeClock:
    """A clock that only moves when told to; `sleep` moves it too."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def job_spec() -> JobSpec:
    """A minimal valid job spec."""
    return parse_job_spec(SPEC_JSON)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(tmp_path, clock):
    """A fresh store on the fake clock."""
    store = Store(tmp_path / "jobs.db", clock=clock)
    yield store
    store.close()


@pytest.fixture
def make_job(store, job_spec):
    """`make_job(id, status)`: a job brought to `status` through legal transitions."""

    def make(job_id: str, status: JobStatus = JobStatus.NEW) -> str:
        store.create_job(job_id, job_spec)
        for step in PATHS[status]:
            store.set_status(job_id, step)
        return job_id

    return make


@pytest.fixture
def dead_pid() -> int:
    """The pid of a process on this host that has exited (and been reaped)."""
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


@pytest.fixture
def dead_owner(dead_pid) -> str:
    """A lease owner id naming a dead process on this host."""
    return f"{socket.gethostname()}:{dead_pid}:x"
