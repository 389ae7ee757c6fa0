"""Keeping a view of an S3 Control backend's jobs fresh within a request budget.

S3 Control limits requests per account, and many TUIs may watch one account. So the
whole view spends at most `rate` requests a second (a token bucket, shared by refreshes
and the user's own actions through `spend`), never one rate per job. Each `step` sends
at most one request, in this order: a describe asked for (the inspector's job, a job
just acted on), ListJobs when due (new jobs appear), the active job seen longest ago,
then ended jobs never described (for their report). A throttled or unanswered request
backs off exponentially; the state says so, for the UI to show.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from s3batch_tui.core.backends.base import Backend
from s3batch_tui.core.backends.view import JobView
from s3batch_tui.core.errors import BackendThrottled, BackendUnreachable, JobNotFound
from s3batch_tui.core.formatting import format_duration, plural
from s3batch_tui.core.status import JobStatus

RATE = 2.0
"""Requests per second for the whole view (AWS allows a few per second per account)."""
LIST_EVERY = 15.0
"""Seconds between ListJobs: how soon a job created elsewhere shows."""
DESCRIBE_EVERY = 2.0
"""An active job is described at most this often."""
BACKOFF_FIRST, BACKOFF_MAX = 2.0, 60.0
IDLE_WAIT = 0.25
"""Seconds between looks when everything is fresh (`want` and `list_soon` callers also wake the loop)."""


@dataclass(frozen=True)
class RefreshState:
    """How the view's refresh goes: `problem` is None while answers come."""

    problem: str | None = None
    """`throttled` or `unreachable: <why>`."""
    retry_at: float | None = None
    """When (on the refresher's clock) the next request may go."""
    listed: bool = False
    """Whether ListJobs answered at least once (else the jobs are not known yet)."""

    def describe(self, now: float) -> str:
        """`throttled, next refresh in 8 s`, or "" when all is well."""
        if self.problem is None:
            return ""
        wait = max((self.retry_at or now) - now, 0)
        return f"{self.problem}, next refresh in {format_duration(math.ceil(wait))}"


class Refresher:
    """The jobs of one backend, refreshed by `step()` calls from one worker thread.

    `want`, `spend` and `list_soon` may be called from any thread.
    """

    def __init__(self, backend: Backend, *, rate: float = RATE, list_every: float = LIST_EVERY,
                 describe_every: float = DESCRIBE_EVERY, clock: Callable[[], float] = time.monotonic) -> None:  # fmt: skip
        self.backend = backend
        self.rate = rate
        self.list_every = list_every
        self.describe_every = describe_every
        self.clock = clock
        self.jobs: dict[str, JobView] = {}
        self.state = RefreshState()
        self.sent = 0
        """Requests sent by `step` (for tests and the status line)."""
        self._lock = threading.Lock()
        self._tokens = 1.0
        self._refilled = clock()
        self._listed_at: float | None = None
        self._described_at: dict[str, float] = {}
        self._wanted: list[str] = []
        self._failures = 0
        self._offline_jobs: int | None = None
        """How many jobs the history showed while unreachable before the first listing (None: not shown)."""

    # --- from any thread -----------------------------------------------------------------

    def want(self, job_id: str) -> None:
        """Describe this job before anything else."""
        with self._lock:
            if job_id not in self._wanted:
                self._wanted.append(job_id)

    def list_soon(self) -> None:
        """List the jobs at the next chance (a job was created)."""
        with self._lock:
            self._listed_at = None

    def spend(self, requests: int = 1) -> None:
        """Count requests sent outside `step` (the user's actions) against the budget."""
        with self._lock:
            self._refill()
            self._tokens -= requests

    # --- the worker ------------------------------------------------------------------------

    def step(self) -> float:
        """Send the most useful request if the budget and any back-off allow; returns seconds to wait."""
        now = self.clock()
        with self._lock:
            if self.state.retry_at is not None and now < self.state.retry_at:
                return self.state.retry_at - now
            self._refill()
            if self._tokens < 1:
                return (1 - self._tokens) / self.rate
            request = self._next_request(now)
            if request is None:
                return IDLE_WAIT
            self._tokens -= 1
        self.sent += 1
        try:
            self._send(*request)
        except BackendThrottled:
            self._back_off("throttled", now)
        except BackendUnreachable as exc:
            self._back_off(f"unreachable: {exc}{self._from_history()}", now)
        except Exception as exc:  # noqa: BLE001 - refused (no credentials, access denied): shown, tried again later
            self._back_off(f"refused: {exc}", now)
        else:
            self._failures = 0
            self.state = RefreshState(listed=self._listed_at is not None)
        return 0.0

    def _next_request(self, now: float) -> tuple[str, str | None] | None:
        """("describe", id) or ("list", None): what to ask for next, or None when all is fresh."""
        if self._wanted:
            return ("describe", self._wanted[0])
        if self._listed_at is None or now - self._listed_at >= self.list_every:
            return ("list", None)
        active = [j for j in self.jobs.values() if not j.status.is_terminal and j.status != JobStatus.NEW]
        stale = [j for j in active if now - self._described_at.get(j.id, float("-inf")) >= self.describe_every]
        if stale:
            return ("describe", min(stale, key=lambda j: self._described_at.get(j.id, float("-inf"))).id)
        undescribed = [j for j in self.jobs.values() if j.details is None]
        if undescribed:
            return ("describe", max(undescribed, key=lambda j: j.created_at).id)
        return None

    def _send(self, kind: str, job_id: str | None) -> None:
        if kind == "list":
            answers = self.backend.list_jobs()
            self.jobs = {a["JobId"]: JobView.from_answer(a, self.jobs.get(a["JobId"])) for a in answers}
            self._listed_at = self.clock()
            return
        assert job_id is not None
        try:
            answer = self.backend.describe(job_id)
        except JobNotFound:  # gone (AWS forgets jobs after 90 days): drop it
            self.jobs.pop(job_id, None)
        else:
            self.jobs[job_id] = JobView.from_answer(answer, self.jobs.get(job_id))
        finally:
            self._described_at[job_id] = self.clock()
        with self._lock:
            if job_id in self._wanted:
                self._wanted.remove(job_id)

    def _from_history(self) -> str:
        """Unreachable before any listing: show the jobs as the history mirror last saw them (says so)."""
        mirror = getattr(self.backend, "mirror", None)
        if mirror is None or self._listed_at is not None:
            return ""
        if self._offline_jobs is None:
            from s3batch_tui.core.backends.mirroring import as_job

            self.jobs = {job.job_id: JobView.from_answer(as_job(job)) for job in mirror.list()}
            self._offline_jobs = len(self.jobs)
        return f"; showing {plural(self._offline_jobs, 'job')} from the local history" if self._offline_jobs else ""

    def _back_off(self, problem: str, now: float) -> None:
        """Wait 2, 4, 8 ... 60 s before the next request."""
        self._failures += 1
        wait = min(BACKOFF_FIRST * 2 ** (self._failures - 1), BACKOFF_MAX)
        self.state = RefreshState(problem, now + wait, self._listed_at is not None)

    def _refill(self) -> None:
        now = self.clock()
        self._tokens = min(self._tokens + (now - self._refilled) * self.rate, max(self.rate, 1.0))
        self._refilled = now
