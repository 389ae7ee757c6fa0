"""The `Store` class: every SQL statement of the project lives in this package.

WAL mode, one connection per thread, schema version in `PRAGMA user_version` with
explicit migrations. Within an engine, one recorder thread does all writes; other
processes (a CLI `job pause`, the TUI) write control requests that the runner acts on.
The store grows with failures, not with successes.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from s3batch_tui.core.errors import IdempotencyConflict, JobNotFound, JobStateError
from s3batch_tui.core.spec import JobSpec
from s3batch_tui.core.status import JobStatus, path_to
from s3batch_tui.core.store.records import Checkpoint, FailureRow, JobRecord, record_from_row
from s3batch_tui.core.store.runners import LEASE_SECONDS, OWNED, owner_is_dead
from s3batch_tui.core.store.schema import MIGRATIONS

DELETABLE_UNFINISHED = frozenset({JobStatus.NEW, JobStatus.PAUSED})
"""Besides ended jobs, these can be deleted when no runner holds them: nothing is half-done in flight."""


class LeaseHeld(JobStateError):
    """A live runner holds the job: ask it (a control request) rather than change the job."""


class Store:
    """The job store. Safe to share between threads (one connection per thread)."""

    def __init__(self, path: Path, clock=time.time) -> None:
        self.path = path
        self.clock = clock
        self._local = threading.local()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._migrate()

    # --- plumbing ---------------------------------------------------------------------

    @property
    def _db(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            connection.row_factory = sqlite3.Row
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute("PRAGMA foreign_keys=ON")
            self._local.connection = connection
        return connection

    def _write(self):
        """A write transaction (BEGIN IMMEDIATE: writers queue rather than deadlock)."""
        return _Transaction(self._db)

    def _migrate(self) -> None:
        with self._write() as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > len(MIGRATIONS):
                raise RuntimeError(f"{self.path} was written by a newer s3batch-tui (schema {version})")
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in filter(str.strip, script.split(";")):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version={number}")

    def close(self) -> None:
        """Close this thread's connection."""
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None

    # --- jobs -------------------------------------------------------------------------

    def create_job(self, job_id: str, spec: JobSpec, body_hash: str | None = None) -> JobRecord:
        """Store a new job in status New (see `core.create.create_job`, which callers use).

        With `body_hash`, the spec's ClientRequestToken makes creation idempotent, checked in
        the same transaction: a job stored earlier with that token and the same hash is
        returned instead, and a different hash raises IdempotencyConflict.
        """
        now = self.clock()
        token = spec.client_request_token if body_hash else None
        with self._write() as db:
            if token is not None:
                row = db.execute("SELECT id, body_hash FROM jobs WHERE client_token = ?", (token,)).fetchone()
                if row is not None and row["body_hash"] != body_hash:
                    raise IdempotencyConflict(
                        f"{token!r} was used for job {row['id']} with a different request"
                        " (IdempotencyException); give a new token to create another job"
                    )
                if row is not None:
                    return self._get(db, row["id"])
            db.execute(
                "INSERT INTO jobs (id, spec, operation, description, priority, status, created_at, updated_at,"
                " client_token, body_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (job_id, json.dumps(spec.to_json_dict()), spec.operation.name, spec.description,
                 spec.priority, JobStatus.NEW.value, now, now, token, body_hash if token else None),
            )  # fmt: skip
            db.execute("INSERT INTO status_history VALUES (?, ?, ?, NULL)", (job_id, JobStatus.NEW.value, now))
        return self.get(job_id)

    @staticmethod
    def _get(db: sqlite3.Connection, job_id: str) -> JobRecord:
        return record_from_row(db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone())

    def job_for_token(self, token: str | None) -> JobRecord | None:
        """The job created earlier with this ClientRequestToken, if any."""
        if token is None:
            return None
        row = self._db.execute("SELECT * FROM jobs WHERE client_token = ?", (token,)).fetchone()
        return None if row is None else record_from_row(row)

    def get(self, job_id: str) -> JobRecord:
        """The job with exactly this id."""
        row = self._db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None:
            raise JobNotFound(f"no job with id {job_id}")
        return record_from_row(row)

    def resolve(self, prefix: str) -> str:
        """The full id of the one job whose id starts with `prefix`."""
        rows = self._db.execute(
            "SELECT id FROM jobs WHERE id >= ? AND id < ? ORDER BY id LIMIT 2", (prefix, prefix + "\uffff")
        ).fetchall()
        if not rows or not prefix:
            raise JobNotFound(f"no job with id {prefix!r} (see `s3batch-tui job list`)")
        if len(rows) > 1:
            raise JobNotFound(f"job id prefix {prefix!r} is ambiguous; give more characters")
        return rows[0]["id"]

    def list(self) -> list[JobRecord]:
        """Every job, newest first."""
        return [record_from_row(r) for r in self._db.execute("SELECT * FROM jobs ORDER BY created_at DESC, id")]

    def suspended_since(self, cutoff: float) -> list[str]:
        """Ids of the jobs Suspended since before `cutoff` (seconds since the epoch)."""
        rows = self._db.execute(
            "SELECT id FROM jobs WHERE status = ? AND suspended_at < ?", (JobStatus.SUSPENDED.value, cutoff)
        )
        return [r["id"] for r in rows]

    def history(self, job_id: str) -> list[tuple[JobStatus, float, str | None]]:
        """(status, time, reason) in order."""
        rows = self._db.execute(
            "SELECT status, at, reason FROM status_history WHERE job_id = ? ORDER BY at, rowid", (job_id,)
        )
        return [(JobStatus(r["status"]), r["at"], r["reason"]) for r in rows]

    def set_status(
        self,
        job_id: str,
        status: JobStatus,
        reason: str | None = None,
        failure_reasons: list[dict[str, str]] | None = None,
        *,
        clear_request: bool = False,
        unless_running: bool = False,
    ) -> JobRecord:
        """Move a job to `status`, refusing transitions SPEC.md does not allow.

        A job cancelled or failed from a status with no direct way there passes through
        Cancelling or Failing first (both recorded in its history), as AWS shows it.

        With `unless_running`, raise `LeaseHeld` instead when a live runner holds the job
        (checked in the same transaction, so a runner starting meanwhile is never overruled).
        """
        now = self.clock()
        with self._write() as db:
            if unless_running:
                row = db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
                if row is not None and self.lease_is_live(record_from_row(row)):
                    raise LeaseHeld(f"job {job_id} is being run by {row['lease_owner']}")
            current = JobStatus(self._column(db, job_id, "status"))
            if current.is_terminal:
                raise JobStateError(f"job {job_id} has already ended ({current}); it cannot change")
            if current != status:
                steps = path_to(current, status)
                if not steps:
                    raise JobStateError(f"job {job_id} is {current}; it cannot become {status}")
                db.executemany("INSERT INTO status_history VALUES (?, ?, ?, ?)",
                               [(job_id, step.value, now, reason) for step in steps])  # fmt: skip
            db.execute(
                "UPDATE jobs SET status = ?, status_reason = ?, updated_at = ?,"
                " terminated_at = CASE WHEN ? THEN ? ELSE terminated_at END,"
                " failure_reasons = COALESCE(?, failure_reasons),"
                " suspended_at = CASE WHEN ? THEN ? ELSE suspended_at END,"
                " requested = CASE WHEN ? THEN NULL ELSE requested END WHERE id = ?",
                (status.value, reason, now, status.is_terminal, now,
                 None if failure_reasons is None else json.dumps(failure_reasons),
                 status == JobStatus.SUSPENDED and current != status, now, clear_request, job_id),
            )  # fmt: skip
        return self.get(job_id)

    @staticmethod
    def _column(db: sqlite3.Connection, job_id: str, column: str) -> Any:
        row = db.execute(f"SELECT {column} FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None:
            raise JobNotFound(f"no job with id {job_id}")
        return row[0]

    def set_priority(self, job_id: str, priority: int) -> None:
        """Change a job's priority; a running job picks it up within a second."""
        if not 0 <= priority <= 2147483647:
            raise ValueError("priority must be between 0 and 2147483647")
        with self._write() as db:
            if JobStatus(self._column(db, job_id, "status")).is_terminal:
                raise JobStateError(f"job {job_id} has ended; its priority cannot change")
            db.execute("UPDATE jobs SET priority = ?, updated_at = ? WHERE id = ?", (priority, self.clock(), job_id))

    def set_tags(self, job_id: str, tags: list[dict[str, str]]) -> None:
        """Replace the `Tags` of the job's stored spec (checked by `core.job_tags`); any status."""
        with self._write() as db:
            spec = json.loads(self._column(db, job_id, "spec"))
            spec.pop("Tags", None)
            if tags:
                spec["Tags"] = tags
            db.execute("UPDATE jobs SET spec = ?, updated_at = ? WHERE id = ?", (json.dumps(spec), self.clock(), job_id))

    def set_request(self, job_id: str, action: str | None, reason: str | None = None) -> None:
        """Leave a control request (pause, resume, cancel, confirm) for the job's runner.

        `reason` (the user's, e.g. UpdateJobStatus' StatusUpdateReason) is shown as the
        job's status reason until its runner changes the status.
        """
        with self._write() as db:
            self._column(db, job_id, "id")
            db.execute("UPDATE jobs SET requested = ?, updated_at = ? WHERE id = ?", (action, self.clock(), job_id))
            if reason is not None:
                db.execute("UPDATE jobs SET status_reason = ? WHERE id = ?", (reason, job_id))

    def clear_request(self, job_id: str, seen: str) -> None:
        """Clear the request `seen` by the runner, unless another one replaced it since."""
        with self._write() as db:
            db.execute("UPDATE jobs SET requested = NULL, updated_at = ? WHERE id = ? AND requested = ?",
                       (self.clock(), job_id, seen))  # fmt: skip

    def save_prepared(self, job_id: str, total_tasks: int, identity: dict[str, Any], skipped_rows: int) -> None:
        """Record what Preparing found: the task count and the manifest's identity."""
        with self._write() as db:
            db.execute(
                "UPDATE jobs SET total_tasks = ?, manifest_identity = ?, skipped_rows = ?, updated_at = ? WHERE id = ?",
                (total_tasks, json.dumps(identity), skipped_rows, self.clock(), job_id),
            )

    def set_runtime(self, job_id: str, runtime: dict[str, Any] | None) -> None:
        """Publish the runner's live state (None clears it when the run ends)."""
        with self._write() as db:
            db.execute("UPDATE jobs SET runtime = ? WHERE id = ?",
                       (None if runtime is None else json.dumps(runtime), job_id))  # fmt: skip

    def set_report_location(self, job_id: str, location: str | None) -> None:
        """Where the completion report was written."""
        with self._write() as db:
            db.execute("UPDATE jobs SET report_location = ? WHERE id = ?", (location, job_id))

    # --- checkpoints and failures -----------------------------------------------------

    def checkpoint(self, job_id: str, point: Checkpoint, failures: list[FailureRow]) -> None:
        """Commit progress and the failures since the last checkpoint in one transaction."""
        now = self.clock()
        with self._write() as db:
            db.executemany(
                "INSERT OR REPLACE INTO failures VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(job_id, f.ordinal, f.bucket, f.raw_key, f.version_id, f.http_status, f.error_code, f.message, now)
                 for f in failures],
            )  # fmt: skip
            db.execute(
                "UPDATE jobs SET succeeded = ?, failed = ?, active_seconds = ?, watermark = ?, done_above = ?,"
                " resume_point = ?, staging_lengths = ?, updated_at = ? WHERE id = ?",
                (point.succeeded, point.failed, point.active_seconds, point.watermark, json.dumps(point.done_above),
                 None if point.resume_point is None else json.dumps(point.resume_point),
                 json.dumps(point.staging_lengths), now, job_id),
            )  # fmt: skip

    def failures(self, job_id: str, limit: int | None = None, newest_first: bool = False) -> Iterator[FailureRow]:
        """The job's failed tasks, by ordinal (or newest first)."""
        order = "at DESC, ordinal DESC" if newest_first else "ordinal"
        rows = self._db.execute(
            f"SELECT * FROM failures WHERE job_id = ? ORDER BY {order} LIMIT ?", (job_id, -1 if limit is None else limit)
        )
        for r in rows:
            yield FailureRow(r["ordinal"], r["bucket"], r["raw_key"], r["version_id"], r["http_status"],
                             r["error_code"], r["message"])  # fmt: skip

    def error_counts(self, job_id: str) -> dict[str, int]:
        """Failed tasks by error code, most frequent first."""
        rows = self._db.execute(
            "SELECT error_code, COUNT(*) AS n FROM failures WHERE job_id = ? GROUP BY error_code ORDER BY n DESC",
            (job_id,),
        )
        return {r["error_code"]: r["n"] for r in rows}

    # --- leases -----------------------------------------------------------------------

    def acquire_lease(self, job_id: str, owner: str) -> bool:
        """Take the job's lease if nobody live holds it."""
        now = self.clock()
        with self._write() as db:
            row = db.execute("SELECT lease_owner, lease_expires FROM jobs WHERE id = ?", (job_id,)).fetchone()
            if row is None:
                raise JobNotFound(f"no job with id {job_id}")
            holder, expires = row
            if holder and holder != owner and expires > now and not owner_is_dead(holder):
                return False
            db.execute(
                "UPDATE jobs SET lease_owner = ?, lease_expires = ? WHERE id = ?", (owner, now + LEASE_SECONDS, job_id)
            )
            return True

    def renew_leases(self, owner: str, job_ids: list[str]) -> None:
        """Heartbeat: extend the leases this runner holds."""
        if not job_ids:
            return
        with self._write() as db:
            db.executemany(
                "UPDATE jobs SET lease_expires = ? WHERE id = ? AND lease_owner = ?",
                [(self.clock() + LEASE_SECONDS, job_id, owner) for job_id in job_ids],
            )

    def release_lease(self, job_id: str, owner: str) -> None:
        """Give the lease up (the job stays in whatever status it is in)."""
        with self._write() as db:
            db.execute(
                "UPDATE jobs SET lease_owner = NULL, lease_expires = NULL WHERE id = ? AND lease_owner = ?",
                (job_id, owner),
            )

    def lease_is_live(self, record: JobRecord) -> bool:
        """Whether a runner that is still alive holds the job."""
        return bool(
            record.lease_owner
            and (record.lease_expires or 0) > self.clock()
            and not owner_is_dead(record.lease_owner)
        )

    def delete_job(self, job_id: str) -> None:
        """Remove a job and its history and failures; refused while a runner holds it or it runs."""
        with self._write() as db:
            row = db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
            if row is None:
                raise JobNotFound(f"no job with id {job_id}")
            record = record_from_row(row)
            if self.lease_is_live(record):
                raise JobStateError(f"job {job_id} is being run; pause or cancel it before deleting it")
            if not (record.status.is_terminal or record.status in DELETABLE_UNFINISHED):
                raise JobStateError(f"job {job_id} is {record.status}; cancel it before deleting it")
            for table, column in (("failures", "job_id"), ("status_history", "job_id"), ("jobs", "id")):
                db.execute(f"DELETE FROM {table} WHERE {column} = ?", (job_id,))

    def reap_orphans(self) -> list[str]:
        """Show jobs whose runner died as Paused, with the reason; returns their ids."""
        reaped = []
        marks = ",".join("?" * len(OWNED))
        owned = [s.value for s in OWNED]
        candidates = [r["id"] for r in self._db.execute(f"SELECT id FROM jobs WHERE status IN ({marks})", owned)]
        for job_id in candidates:
            # Look again inside the write: another process may have taken the job over since.
            with self._write() as db:
                record = record_from_row(db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone())
                if record.status not in OWNED or self.lease_is_live(record):
                    continue
                pid = (record.lease_owner or "").split(":")[1:2]
                who = f"the process running it (pid {pid[0]})" if pid else "its runner"
                reason = f"{who} exited while the job was {record.status}; resume to continue where it stopped"
                now = self.clock()
                db.execute(
                    "UPDATE jobs SET status = ?, status_reason = ?, updated_at = ? WHERE id = ?",
                    (JobStatus.PAUSED.value, reason, now, job_id),
                )
                db.execute(
                    "INSERT INTO status_history VALUES (?, ?, ?, ?)", (job_id, JobStatus.PAUSED.value, now, reason)
                )
            reaped.append(job_id)
        return reaped


class _Transaction:
    """`with` block around BEGIN IMMEDIATE … COMMIT (ROLLBACK on error)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, kind, value, traceback) -> None:
        self.db.execute("ROLLBACK" if kind else "COMMIT")
