"""Sending one job's tasks: on a pool thread or started without one, and counted until recorded.

A `TaskDispatch` belongs to a `JobRun`. It runs each task (or batch) the way its
operation wants (`start` for lean requests, which hold no thread; the pool for the
rest), turns whatever happened into an outcome so that no task is ever lost, hands
tasks that only met endpoint trouble back to the feed, and counts the tasks in flight
so the run can wait for them when it drains. Every task holds its window slots until
its outcome is recorded.

A lean task whose first attempt asks for a retry (or that must run the blocking way, a
copy too large for CopyObject) goes on to the pool, where it holds a thread like any
threaded task, so it must then hold a threaded task's share of the window, not a lean
request's. awscrt's thread, which reports the first attempt, cannot wait for slots, so
it gives the lean slot back and queues the task (`waiting_for_pool`); the job's own
thread takes the slots, by priority, and sends it (`send_to_pool`).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

from s3batch_tui.core.engine.retry import RetryPolicy, outcome_from_exception
from s3batch_tui.core.engine.window import STARTED_TASK_SLOTS, THREAD_TASK_SLOTS
from s3batch_tui.core.manifest.entry import ManifestEntry
from s3batch_tui.core.operations.base import TaskOutcome

if TYPE_CHECKING:
    from s3batch_tui.core.engine.job_run import JobRun


class TaskDispatch:
    """Runs a job's tasks and counts those in flight (see module docstring).

    Args:
        run: the job's run (its engine, endpoint health, feed and recorder hooks).
        stopping: True when no further attempt should be made (job stopping, endpoint down).
    """

    def __init__(self, run: JobRun, stopping: Callable[[], bool]) -> None:
        self.run = run
        self.engine = run.engine
        self.stopping = stopping
        self._in_flight = 0
        self._changed = threading.Condition()
        self._for_pool: deque[tuple] = deque()  # (operation, retry policy, entry, first outcome or None)

    # --- the count of tasks in flight ----------------------------------------------------

    @property
    def idle(self) -> bool:
        """No task is in flight."""
        return self._in_flight == 0

    def sent(self, count: int) -> None:
        """`count` tasks are on their way (called before they are handed to a thread)."""
        with self._changed:
            self._in_flight += count

    def finished(self) -> None:
        """One task's outcome was recorded, or the task was handed back."""
        with self._changed:
            self._in_flight -= 1
            self._changed.notify_all()

    def wait(self, timeout: float) -> None:
        """Wait until a task finishes or `timeout` passes."""
        with self._changed:
            self._changed.wait(timeout)

    # --- lean tasks going on to the pool, sent from the job's thread -----------------------

    @property
    def waiting_for_pool(self) -> bool:
        """Some lean task waits to go on to the pool (it is still counted in flight)."""
        return bool(self._for_pool)

    def wait_idle(self, acquire: Callable[[int], bool], poll: float) -> None:
        """Wait until no task is in flight, sending on to the pool the tasks that wait for it."""
        while True:
            self.send_to_pool(acquire)
            with self._changed:
                self._changed.wait_for(lambda: self._in_flight == 0 or bool(self._for_pool), poll)
                if self._in_flight == 0:
                    return

    def send_to_pool(self, acquire: Callable[[int], bool]) -> bool:
        """Send the waiting tasks to the pool, each once `acquire(slots)` got it its share.

        Returns False if `acquire` gave up (the caller looks at its controls and comes back).
        """
        while self._for_pool:
            if not acquire(THREAD_TASK_SLOTS):
                return False
            operation, retry, entry, first = self._for_pool.popleft()
            self.engine.pool.submit(self.execute, operation, retry, entry, first)
        return True

    def _queue_for_pool(self, operation, retry: RetryPolicy, entry: ManifestEntry, first: TaskOutcome | None) -> None:
        self.engine.window.release(STARTED_TASK_SLOTS)  # waiting, it holds nothing: no waiting task blocks another
        with self._changed:
            self._for_pool.append((operation, retry, entry, first))
            self._changed.notify_all()  # the job's thread, waiting for tasks to come back, sends it

    # --- running tasks --------------------------------------------------------------------

    def start(self, operation, retry: RetryPolicy, entry: ManifestEntry) -> None:
        """The task's first attempt without a thread; a retry, if one is due, goes to the pool."""

        def done(outcome: TaskOutcome | None) -> None:  # awscrt's thread, or this one
            if outcome is None:  # the operation wants this task run the blocking way (a huge copy)
                self._queue_for_pool(operation, retry, entry, None)
                return
            try:
                retry.observe(outcome)
                if not retry.is_final(outcome, 1) and not self.stopping():
                    self._queue_for_pool(operation, retry, entry, outcome)
                    return
            except BaseException as exc:  # never lose a task: whatever happened is its outcome
                outcome = outcome_from_exception(exc)
            self._record(entry, outcome)
            self.engine.window.release(STARTED_TASK_SLOTS)

        try:
            operation.start(entry, done)
        except BaseException as exc:  # nothing was sent: the task ends here, as `run` raising would
            done(outcome_from_exception(exc))

    def execute(self, operation, retry: RetryPolicy, entry: ManifestEntry, first: TaskOutcome | None = None) -> None:
        """Run one task with its retries on this (pool) thread; it holds a threaded task's slots."""
        try:
            outcome, _attempts = retry.execute(operation, entry, should_stop=self.stopping, first=first)
        except BaseException as exc:  # never lose a task: whatever happened is its outcome
            outcome = outcome_from_exception(exc)
        self._record(entry, outcome)
        self.engine.window.release(THREAD_TASK_SLOTS)

    def execute_batch(self, operation, retry: RetryPolicy, batch: list[ManifestEntry]) -> None:
        """Run one batch (DeleteObjects) with its retries on this (pool) thread."""
        try:
            outcomes = retry.execute_batch(operation, batch, should_stop=self.stopping)
        except BaseException as exc:  # never lose a task: whatever happened is its outcome
            outcomes = [outcome_from_exception(exc)] * len(batch)
        for entry, outcome in zip(batch, outcomes, strict=True):
            self._record(entry, outcome)
        self.engine.window.release(THREAD_TASK_SLOTS)

    def _record(self, entry: ManifestEntry, outcome) -> None:
        """Record an outcome, or hand the task back when transient faults (not the object) failed it."""
        run = self.run
        if not outcome.succeeded and run.feed is not None and run.health.hand_back(entry.ordinal, outcome):
            run.feed.give_back([entry])
            self.finished()
            return
        self.engine.recorder.record(run, entry, outcome)
