"""SQLite store: jobs, checkpoints, failures, status history. The only module that speaks SQL.

WAL mode, one connection per thread, schema version in `PRAGMA user_version` with
explicit migrations. Within an engine, one recorder thread does all writes; other
processes (a CLI `job pause`, the TUI) write control requests that the runner acts on.
The store grows with failures, not with successes.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from s3batch_tui.core.errors import JobNotFound, JobStateError
from s3batch_tui.core.spec import JobSpec
from s3batch_tui.core.status import JobStatus, can_transition

# Statuses in which a live runner must hold the lease; if it dies the job shows Paused.
OWNED = frozenset(
    {JobStatus.PREPARING, JobStatus.ACTIVE, JobStatus.PAUSING, JobStatus.COMPLETING,
     JobStatus.CANCELLING, JobStatus.FAILING}
)  # fmt: skip
LEASE_SECONDS = 15.0

MIGRATIONS: list[str] = [
    # 1: first schema.
    """
    CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        spec TEXT NOT NULL,
        operation TEXT NOT NULL,
        description TEXT,
        priority INTEGER NOT NULL,
        status TEXT NOT NULL,
        status_reason TEXT,
        requested TEXT,
        failure_reasons TEXT NOT NULL DEFAULT '[]',
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        terminated_at REAL,
        total_tasks INTEGER,
        skipped_rows INTEGER NOT NULL DEFAULT 0,
        manifest_identity TEXT,
        succeeded INTEGER NOT NULL DEFAULT 0,
        failed INTEGER NOT NULL DEFAULT 0,
        active_seconds REAL NOT NULL DEFAULT 0,
        watermark INTEGER NOT NULL DEFAULT 0,
        done_above TEXT NOT NULL DEFAULT '[]',
        resume_point TEXT,
        staging_lengths TEXT NOT NULL DEFAULT '{}',
        report_location TEXT,
        lease_owner TEXT,
        lease_expires REAL
    );
    CREATE TABLE status_history (
        job_id TEXT NOT NULL REFERENCES jobs(id),
        status TEXT NOT NULL,
        at REAL NOT NULL,
        reason TEXT
    );
    CREATE INDEX status_history_job ON status_history(job_id, at);
    CREATE TABLE failures (
        job_id TEXT NOT NULL REFERENCES jobs(id),
        ordinal INTEGER NOT NULL,
        bucket TEXT NOT NULL,
        raw_key TEXT NOT NULL,
        version_id TEXT,
        http_status INTEGER NOT NULL,
        error_code TEXT NOT NULL,
        message TEXT NOT NULL,
        at REAL NOT NULL,
        PRIMARY KEY (job_id, ordinal)
    );
    """,
]


@dataclass(frozen=True)
class Checkpoint:
    """Everything needed to resume a job after a crash, written in one transaction.

    Attributes:
        watermark: every ordinal below it is done.
        done_above: done ordinals at or above the watermark (bounded by the window).
        resume_point: (ordinal, position) of an entry at or below the watermark to
            restart reading from, or None to restart from the top.
        staging_lengths: report staging file lengths; longer files are truncated.
    """

    succeeded: int
    failed: int
    active_seconds: float
    watermark: int
    done_above: list[int]
    resume_point: tuple[int, Any] | None
    staging_lengths: dict[str, int]


@dataclass(frozen=True)
class FailureRow:
    """A failed task, kept for retry-failed and the inspector."""

    ordinal: int
    bucket: str
    raw_key: str
    version_id: str | None
    http_status: int
    error_code: str
    message: str


@dataclass(frozen=True)
class JobRecord:
    """One job as stored."""

    id: str
    spec_json: str
    operation: str
    description: str | None
    priority: int
    status: JobStatus
    status_reason: str | None
    requested: str | None
    failure_reasons: list[dict[str, str]]
    created_at: float
    updated_at: float
    terminated_at: float | None
    total_tasks: int | None
    skipped_rows: int
    manifest_identity: dict[str, Any] | None
    succeeded: int
    failed: int
    active_seconds: float
    watermark: int
    done_above: list[int]
    resume_point: tuple[int, Any] | None
    staging_lengths: dict[str, int]
    report_location: str | None
    lease_owner: str | None
    lease_expires: float | None
    spec: JobSpec = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "spec", JobSpec.model_validate_json(self.spec_json))

    @property
    def checkpoint(self) -> Checkpoint:
        """The last committed checkpoint."""
        return Checkpoint(
            self.succeeded, self.failed, self.active_seconds, self.watermark,
            self.done_above, self.resume_point, self.staging_lengths,
        )  # fmt: skip


_JSON_COLUMNS = {"failure_reasons", "manifest_identity", "done_above", "resume_point", "staging_lengths"}


def _record(row: sqlite3.Row) -> JobRecord:
    values = {k: (json.loads(row[k]) if k in _JSON_COLUMNS and row[k] is not None else row[k]) for k in row.keys()}
    values["spec_json"] = values.pop("spec")
    values["status"] = JobStatus(values["status"])
    if values["resume_point"] is not None:
        values["resume_point"] = tuple(values["resume_point"])
    return JobRecord(**values)


def runner_identity() -> str:
    """`host:pid:random`: who holds a lease, so a dead runner on this host is seen at once."""
    return f"{socket.gethostname()}:{os.getpid()}:{os.urandom(4).hex()}"


def _owner_is_dead(owner: str) -> bool:
    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False  # another machine: only lease expiry tells
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


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

    def create_job(self, job_id: str, spec: JobSpec) -> JobRecord:
        """Store a new job in status New."""
        now = self.clock()
        with self._write() as db:
            db.execute(
                "INSERT INTO jobs (id, spec, operation, description, priority, status, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (job_id, json.dumps(spec.to_json_dict()), spec.operation.name, spec.description,
                 spec.priority, JobStatus.NEW.value, now, now),
            )  # fmt: skip
            db.execute("INSERT INTO status_history VALUES (?, ?, ?, NULL)", (job_id, JobStatus.NEW.value, now))
        return self.get(job_id)

    def get(self, job_id: str) -> JobRecord:
        """The job with exactly this id."""
        row = self._db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None:
            raise JobNotFound(f"no job with id {job_id}")
        return _record(row)

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
        return [_record(r) for r in self._db.execute("SELECT * FROM jobs ORDER BY created_at DESC, id")]

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
    ) -> JobRecord:
        """Move a job to `status`, refusing transitions SPEC.md does not allow."""
        now = self.clock()
        with self._write() as db:
            current = JobStatus(self._column(db, job_id, "status"))
            if current != status:
                if not can_transition(current, status):
                    raise JobStateError(f"job {job_id} is {current}; it cannot become {status}")
                db.execute("INSERT INTO status_history VALUES (?, ?, ?, ?)", (job_id, status.value, now, reason))
            db.execute(
                "UPDATE jobs SET status = ?, status_reason = ?, updated_at = ?,"
                " terminated_at = CASE WHEN ? THEN ? ELSE terminated_at END,"
                " failure_reasons = COALESCE(?, failure_reasons),"
                " requested = CASE WHEN ? THEN NULL ELSE requested END WHERE id = ?",
                (status.value, reason, now, status.is_terminal, now,
                 None if failure_reasons is None else json.dumps(failure_reasons), clear_request, job_id),
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

    def set_request(self, job_id: str, action: str | None) -> None:
        """Leave a control request (pause, resume, cancel, confirm) for the job's runner."""
        with self._write() as db:
            self._column(db, job_id, "id")
            db.execute("UPDATE jobs SET requested = ?, updated_at = ? WHERE id = ?", (action, self.clock(), job_id))

    def save_prepared(self, job_id: str, total_tasks: int, identity: dict[str, Any], skipped_rows: int) -> None:
        """Record what Preparing found: the task count and the manifest's identity."""
        with self._write() as db:
            db.execute(
                "UPDATE jobs SET total_tasks = ?, manifest_identity = ?, skipped_rows = ?, updated_at = ? WHERE id = ?",
                (total_tasks, json.dumps(identity), skipped_rows, self.clock(), job_id),
            )

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
            if holder and holder != owner and expires > now and not _owner_is_dead(holder):
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
            and not _owner_is_dead(record.lease_owner)
        )

    def reap_orphans(self) -> list[str]:
        """Show jobs whose runner died as Paused, with the reason; returns their ids."""
        reaped = []
        marks = ",".join("?" * len(OWNED))
        for row in self._db.execute(f"SELECT * FROM jobs WHERE status IN ({marks})", [s.value for s in OWNED]):
            record = _record(row)
            if self.lease_is_live(record):
                continue
            pid = (record.lease_owner or "").split(":")[1:2]
            who = f"the process running it (pid {pid[0]})" if pid else "its runner"
            try:
                self.set_status(
                    record.id, JobStatus.PAUSED,
                    f"{who} exited while the job was {record.status}; resume to continue where it stopped",
                )  # fmt: skip
            except JobStateError:
                continue  # changed under us by another process; look again next time
            reaped.append(record.id)
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
