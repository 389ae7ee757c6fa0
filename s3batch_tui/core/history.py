"""Managing job history: delete jobs, or prune the ended ones before a date.

A deleted job leaves the store with its history and failures, and its own directory
(report staging files, generated or retry manifests, the runner log) goes too. Reports
already written stay where the job's Report setting put them.

The same commands cover the mirror of S3 Control jobs (`core.store.mirror`): an id that
is no local job may name a mirrored one, and pruning forgets mirrored jobs that ended
before the date too. Only the local record goes; the job on its backend is not touched.
"""

from __future__ import annotations

import re
import shutil
from datetime import datetime, timedelta, timezone

from s3batch_tui.core.errors import InputError
from s3batch_tui.core.errors import JobNotFound
from s3batch_tui.core.store import JobMirror, JobRecord, MirroredJob, Store
from s3batch_tui.settings import Settings

_AGE = re.compile(r"^(\d+)\s*([dhw])$")
_AGE_UNITS = {"h": "hours", "d": "days", "w": "weeks"}


def delete_job(store: Store, settings: Settings, job_id: str) -> None:
    """Delete one job (refused while it runs) and its staging files; its written report stays."""
    store.delete_job(job_id)
    shutil.rmtree(settings.job_dir(job_id), ignore_errors=True)


def ended_before(store: Store, before: float) -> list[JobRecord]:
    """Jobs that ended (Complete, Failed, Cancelled) before `before` (seconds since the epoch)."""
    return [r for r in store.list() if r.status.is_terminal and (r.terminated_at or r.created_at) < before]


def mirrored_ended_before(store: Store, before: float) -> list[MirroredJob]:
    """Mirrored S3 Control jobs that ended before `before`."""
    return JobMirror(store).ended_before(before)


def prune(store: Store, settings: Settings, before: float) -> list[str]:
    """Delete every job, local or mirrored, that ended before `before`; returns their ids."""
    pruned = []
    for record in ended_before(store, before):
        delete_job(store, settings, record.id)
        pruned.append(record.id)
    for job in mirrored_ended_before(store, before):
        JobMirror(store).delete(job.job_id, job.backend)
        pruned.append(job.job_id)
    return pruned


def resolve_any(store: Store, prefix: str) -> tuple[str, bool]:
    """(full id, whether it is a mirrored S3 Control job) for an id or unique prefix of either kind."""
    try:
        local = store.resolve(prefix)
    except JobNotFound as exc:
        if "ambiguous" in str(exc):
            raise
        local = None
    mirrored = JobMirror(store).resolve(prefix)
    if local and mirrored:
        raise JobNotFound(f"{prefix!r} starts both local job {local} and S3 Control job {mirrored}; give more characters")
    if local or mirrored:
        return (local or mirrored), mirrored is not None
    raise JobNotFound(f"no job with id {prefix!r}, local or mirrored from S3 Control (see `s3batch-tui job list`)")


def parse_before(text: str, now: float) -> float:
    """`2026-01-31`, `2026-01-31T12:00` (local time unless it says otherwise) or an age (`30d`, `12h`, `2w`)."""
    value = text.strip()
    age = _AGE.match(value)
    if age:
        return now - timedelta(**{_AGE_UNITS[age.group(2)]: int(age.group(1))}).total_seconds()
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"expected a date (2026-01-31), a date and time (2026-01-31T12:00) or an age "
                         f"(30d, 12h, 2w), got {text!r}", "--before") from None  # fmt: skip
    if moment.tzinfo is None:
        moment = moment.astimezone()  # local time, as `job list` shows it
    return moment.astimezone(timezone.utc).timestamp()
