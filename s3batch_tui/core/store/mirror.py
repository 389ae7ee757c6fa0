"""The history mirror: jobs seen on S3 Control backends, kept after AWS forgets them (90 days).

A mirrored job is keyed by its backend (account, region, endpoint) and its id: an AWS
job id and a local job id are different namespaces, so mirrored jobs live in their own
table and never mix with local jobs. Writing a listing costs one transaction that
rewrites only the rows whose listed values changed, so it can run on every refresh.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from s3batch_tui.core.errors import JobNotFound

if TYPE_CHECKING:
    from s3batch_tui.core.store.store import Store

LISTED = ("status", "priority", "operation", "description", "total_tasks", "succeeded", "failed", "created_at",
          "terminated_at")  # fmt: skip
"""Columns a ListJobs answer gives (a listing never touches the others)."""
DESCRIBED = (*LISTED, "status_reason", "report_location", "manifest_location", "described")
"""Columns a DescribeJob answer gives."""
ENDED = ("Complete", "Failed", "Cancelled")


@dataclass(frozen=True)
class BackendIdentity:
    """Which S3 Control backend: account, region and endpoint (any user:password part removed)."""

    account_id: str
    region: str
    endpoint: str

    def __post_init__(self) -> None:
        parts = urlsplit(self.endpoint)
        if "@" in parts.netloc:  # credentials never reach the store
            object.__setattr__(self, "endpoint", urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1])))

    @property
    def key(self) -> str:
        """The backend column's value."""
        return f"{self.account_id} {self.region} {self.endpoint}"


@dataclass(frozen=True)
class MirroredJob:
    """A job as an S3 Control backend last showed it (times in seconds since the epoch)."""

    backend: BackendIdentity
    job_id: str
    status: str
    status_reason: str | None
    priority: int | None
    operation: str | None
    description: str | None
    total_tasks: int | None
    succeeded: int | None
    failed: int | None
    created_at: float | None
    terminated_at: float | None
    report_location: str | None
    manifest_location: str | None
    described: dict[str, Any] | None
    changed_at: float
    last_seen: float


def _mirrored(row: sqlite3.Row) -> MirroredJob:
    values = {name: row[name] for name in row.keys() if name not in ("backend", "account_id", "region", "endpoint")}
    values["described"] = json.loads(row["described"]) if row["described"] else None
    return MirroredJob(BackendIdentity(row["account_id"], row["region"], row["endpoint"]), **values)


class JobMirror:
    """Reads and writes the mirror through the store's connections."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def record_listing(self, backend: BackendIdentity, rows: list[dict[str, Any]]) -> int:
        """One ListJobs answer (`rows`: `job_id` and the LISTED values); returns how many rows changed."""
        now = self.store.clock()
        changed = 0
        with self.store._write() as db:
            known = {r["job_id"]: r for r in db.execute(
                f"SELECT job_id, {', '.join(LISTED)} FROM control_jobs WHERE backend = ?", (backend.key,))}  # fmt: skip
            for row in rows:
                old = known.get(row["job_id"])
                if old is None:
                    self._insert(db, backend, row, now)
                elif any(old[name] != row.get(name) for name in LISTED):
                    reason = "" if old["status"] == row["status"] else ", status_reason = NULL"  # it was the old status'
                    db.execute(f"UPDATE control_jobs SET {', '.join(f'{n} = ?' for n in LISTED)}, changed_at = ?"
                               f"{reason} WHERE backend = ? AND job_id = ?",
                               (*(row.get(n) for n in LISTED), now, backend.key, row["job_id"]))  # fmt: skip
                else:
                    continue
                changed += 1
            db.execute("UPDATE control_jobs SET last_seen = ? WHERE backend = ? AND job_id IN "
                       "(SELECT value FROM json_each(?))", (now, backend.key, json.dumps([r["job_id"] for r in rows])))  # fmt: skip
        return changed

    def record_job(self, backend: BackendIdentity, row: dict[str, Any], keep_existing: bool = False) -> None:
        """One job's DescribeJob answer (`row`: `job_id` and DESCRIBED values; those left out stay).

        `keep_existing`: only add the job if it is not mirrored yet (a job just created,
        which may be an earlier job answered again for its ClientRequestToken).
        """
        now = self.store.clock()
        with self.store._write() as db:
            old = db.execute("SELECT * FROM control_jobs WHERE backend = ? AND job_id = ?",
                             (backend.key, row["job_id"])).fetchone()  # fmt: skip
            if old is None:
                self._insert(db, backend, row, now)
                return
            if keep_existing:
                return
            values = {name: row.get(name, old[name]) for name in DESCRIBED}
            changed = any(old[name] != values[name] for name in DESCRIBED)
            db.execute(f"UPDATE control_jobs SET {', '.join(f'{n} = ?' for n in DESCRIBED)}, last_seen = ?,"
                       " changed_at = CASE WHEN ? THEN ? ELSE changed_at END WHERE backend = ? AND job_id = ?",
                       (*values.values(), now, changed, now, backend.key, row["job_id"]))  # fmt: skip

    @staticmethod
    def _insert(db: sqlite3.Connection, backend: BackendIdentity, row: dict[str, Any], now: float) -> None:
        columns = [name for name in DESCRIBED if name in row]
        db.execute(f"INSERT INTO control_jobs (backend, job_id, account_id, region, endpoint, {', '.join(columns)},"
                   f" changed_at, last_seen) VALUES ({', '.join('?' * (len(columns) + 7))})",
                   (backend.key, row["job_id"], backend.account_id, backend.region, backend.endpoint,
                    *(row[name] for name in columns), now, now))  # fmt: skip

    def list(self, backend: BackendIdentity | None = None) -> list[MirroredJob]:
        """The mirrored jobs of `backend` (None: of every backend), newest first."""
        where, params = ("WHERE backend = ?", (backend.key,)) if backend else ("", ())
        rows = self.store._db.execute(
            f"SELECT * FROM control_jobs {where} ORDER BY created_at DESC, job_id", params)  # fmt: skip
        return [_mirrored(r) for r in rows]

    def get(self, job_id: str, backend: BackendIdentity | None = None) -> MirroredJob:
        """The job with this id (on `backend`, else the one seen last on any backend)."""
        where, params = ("AND backend = ?", (job_id, backend.key)) if backend else ("", (job_id,))
        row = self.store._db.execute(
            f"SELECT * FROM control_jobs WHERE job_id = ? {where} ORDER BY last_seen DESC LIMIT 1", params
        ).fetchone()
        if row is None:
            raise JobNotFound(f"no S3 Control job {job_id} in the local history")
        return _mirrored(row)

    def resolve(self, prefix: str) -> str | None:
        """The one mirrored job id starting with `prefix`; None when there is none (JobNotFound if several)."""
        rows = self.store._db.execute(
            "SELECT DISTINCT job_id FROM control_jobs WHERE job_id >= ? AND job_id < ? ORDER BY job_id LIMIT 2",
            (prefix, prefix + "\uffff"),
        ).fetchall()
        if len(rows) > 1:
            raise JobNotFound(f"S3 Control job id prefix {prefix!r} is ambiguous; give more characters")
        return rows[0]["job_id"] if rows and prefix else None

    def ended_before(self, before: float) -> list[MirroredJob]:
        """Mirrored jobs that ended (Complete, Failed, Cancelled) before `before`, oldest first."""
        rows = self.store._db.execute(
            f"SELECT * FROM control_jobs WHERE status IN ({', '.join('?' * len(ENDED))})"
            " AND COALESCE(terminated_at, created_at, last_seen) < ? ORDER BY COALESCE(terminated_at, created_at)",
            (*ENDED, before),
        )
        return [_mirrored(r) for r in rows]

    def delete(self, job_id: str, backend: BackendIdentity | None = None) -> int:
        """Forget a mirrored job (on `backend`, else on every backend); returns the rows deleted.

        Only the local record goes: the job on its backend is not touched.
        """
        where, params = ("AND backend = ?", (job_id, backend.key)) if backend else ("", (job_id,))
        with self.store._write() as db:
            return db.execute(f"DELETE FROM control_jobs WHERE job_id = ? {where}", params).rowcount
