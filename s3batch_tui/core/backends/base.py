"""The backend seam: what front ends do to jobs, whoever keeps and runs them.

Jobs are described in the S3 Control shapes whatever the backend: `list_jobs` gives
`JobListDescriptor`s and `describe` gives DescribeJob's `Job`, so a front end prints or
shows them without knowing where they came from. A backend declares what it cannot
do and why (`Capabilities`); a call it cannot serve raises `Unsupported` with that reason.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from s3batch_tui.core.errors import JobStateError
from s3batch_tui.core.spec import JobSpec

MAX_PRIORITY = 2147483647
_PRIORITY_LOCK = threading.Lock()
ACTIONS = ("list", "describe", "create", "run", "pause", "resume", "cancel", "confirm", "priority", "retry_failed",
           "tags", "report", "handover")  # fmt: skip


class Unsupported(JobStateError):
    """An action this backend cannot do; the message is the capability's reason."""

    def __init__(self, action: str, reason: str) -> None:
        self.action = action
        self.reason = reason
        super().__init__(f"{action.replace('_', '-')}: {reason}")


@dataclass(frozen=True)
class Capabilities:
    """Every action in `ACTIONS` is available except those in `unavailable` (action → why not)."""

    unavailable: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = set(self.unavailable) - set(ACTIONS)
        if unknown:
            raise ValueError(f"unknown actions: {sorted(unknown)}")

    def can(self, action: str) -> bool:
        """Whether the backend does `action`."""
        return action not in self.unavailable

    def reason(self, action: str) -> str | None:
        """Why the backend cannot do `action` (None: it can)."""
        return self.unavailable.get(action)

    def require(self, action: str) -> None:
        """Raise `Unsupported` (with the reason) unless the backend does `action`."""
        if action in self.unavailable:
            raise Unsupported(action, self.unavailable[action])


class Backend(ABC):
    """Where jobs live and run. Every method may block on I/O: call it from a worker."""

    capabilities: Capabilities = Capabilities()

    @property
    @abstractmethod
    def label(self) -> str:
        """Which backend this is, for a header or a message ("local", "AWS 1234… us-east-1")."""

    @abstractmethod
    def list_jobs(self) -> list[dict[str, Any]]:
        """Every job (every status), newest first, as `JobListDescriptor`s."""

    @abstractmethod
    def describe(self, job_id: str) -> dict[str, Any]:
        """DescribeJob's `Job` for one job."""

    def resolve(self, job_id: str) -> str:
        """The full id for what the user typed (a backend may accept unique prefixes)."""
        return job_id

    @abstractmethod
    def create(self, spec: JobSpec, run: bool = True) -> str:
        """Create a job from `spec`; returns its id (`run`: start it where that is a choice)."""

    @abstractmethod
    def cancel(self, job_id: str) -> None:
        """Cancel a job."""

    @abstractmethod
    def confirm(self, job_id: str) -> None:
        """Confirm a Suspended job so it runs."""

    @abstractmethod
    def set_priority(self, job_id: str, priority: int) -> int:
        """Set the priority (0 to 2147483647); returns it."""

    @abstractmethod
    def get_tags(self, job_id: str) -> list[dict[str, str]]:
        """The job's tags."""

    @abstractmethod
    def put_tags(self, job_id: str, tags: list[dict[str, str]]) -> list[dict[str, str]]:
        """Replace every tag of the job; returns the new set."""

    def run(self, job_id: str) -> None:
        """Start running a job that waits (New, Ready, Paused)."""
        raise self._unsupported("run")

    def pause_or_resume(self, job_id: str) -> str:
        """Pause a running job or resume a paused one; returns what was done."""
        raise self._unsupported("pause")

    def retry_failed(self, job_id: str, run: bool = True) -> str:
        """A new job over the failed tasks of `job_id`; returns its id."""
        raise self._unsupported("retry_failed")

    def retry_failed_plan(self, job_id: str) -> Any:
        """What `retry_failed` would do, for a front end to show first (None: nothing worth asking)."""
        return None

    def report_location(self, job_id: str) -> str | None:
        """Where the job's completion report is or will be (None: no report)."""
        raise self._unsupported("report")

    def change_priority(self, job_id: str, delta: int) -> int:
        """Raise or lower the priority by `delta`, within S3's bounds; returns the new one.

        Read, add and write under a lock: a burst of `+` presses (one worker each) must not
        read the same value and lose a step.
        """
        with _PRIORITY_LOCK:
            priority = self.describe(job_id).get("Priority", 0)
            return self.set_priority(job_id, min(max(priority + delta, 0), MAX_PRIORITY))

    def _unsupported(self, action: str) -> Unsupported:
        return Unsupported(action, self.capabilities.reason(action) or "this backend does not offer it")
