"""Deterministic apps for Pilot and snapshot tests: fixed clock, ids, times, time zone.

Built through the same factory as the CLI (`build_app`).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from s3batch_tui.core.spec import JobSpec
from s3batch_tui.core.status import JobStatus as S
from s3batch_tui.core.store import Checkpoint, FailureRow, Store, runner_identity
from s3batch_tui.settings import Settings
from s3batch_tui.tui.app import S3BatchApp, build_app

FIXED_NOW = 1767225600.0  # 2026-01-01T00:00:00Z
SIZE = (120, 36)

# Path: the manifest named in job files; it need not exist for the screens.
MANIFEST_URI = "file:///data/manifests/photos.csv"


def fixed_clock() -> float:
    """The frozen clock every snapshot uses."""
    return FIXED_NOW


def use_utc() -> None:
    """Times in tables are local: pin the zone so snapshots match everywhere."""
    os.environ["TZ"] = "UTC"
    time.tzset()


def spec(operation: dict | None = None, description: str = "Tag the photo archive", **extra) -> JobSpec:
    """A small job spec over a local manifest."""
    return JobSpec.model_validate(
        {
            "Operation": operation or {"S3PutObjectTagging": {"TagSet": [{"Key": "archive", "Value": "2025"}]}},
            "Manifest": {"Spec": {"Format": "S3BatchOperations_CSV_20180820"}, "Location": {"ObjectArn": MANIFEST_URI}},
            "Report": {"Enabled": True, "Bucket": "file:///data/reports", "Format": "Report_CSV_20180820",
                       "ReportScope": "AllTasks"},
            "Description": description,
            "Priority": 10,
        } | extra  # fmt: skip
    )


def walk(store: Store, job_id: str, *statuses: S, reason: str | None = None) -> None:
    """Take a job through legal transitions (the last one gets `reason`)."""
    for index, status in enumerate(statuses):
        store.set_status(job_id, status, reason if index == len(statuses) - 1 else None)


def seed_demo_store(store: Store) -> None:
    """A store with jobs in the states worth seeing: running, complete, failed, suspended, paused."""
    ids = [f"{n}{n}{n}{n}{n}{n}{n}{n}-0000-4000-8000-00000000000{n}" for n in range(1, 7)]
    store.create_job(ids[0], spec(description="Tag the photo archive"))
    store.save_prepared(ids[0], 120_000, {}, 0)
    walk(store, ids[0], S.PREPARING, S.READY, S.ACTIVE)
    # Held by this (live) test process until well after the frozen "now": never reaped.
    Store(store.path, clock=fixed_clock).acquire_lease(ids[0], runner_identity())
    store.checkpoint(ids[0], Checkpoint(48_210, 312, 95.0, 48_522, [], None, {}), [])

    store.create_job(ids[1], spec({"S3PutObjectCopy": {"TargetResource": "arn:aws:s3:::backup", "StorageClass": "GLACIER_IR"}},
                                  "Copy invoices to backup"))  # fmt: skip
    store.save_prepared(ids[1], 5_000, {}, 0)
    walk(store, ids[1], S.PREPARING, S.READY, S.ACTIVE, S.COMPLETING, S.COMPLETE)
    store.checkpoint(ids[1], Checkpoint(4_990, 10, 61.0, 5_000, [], None, {}), [
        FailureRow(i, "invoices", f"2025/inv-{i:04d}.pdf", None, 404, "NoSuchKey", "The specified key does not exist.")
        for i in range(10)
    ])  # fmt: skip
    store.set_report_location(ids[1], "file:///data/reports/job-2222/manifest.json")

    store.create_job(ids[2], spec({"S3DeleteObjectTagging": {}}, "Strip tags from logs"))
    store.save_prepared(ids[2], 2_000, {}, 0)
    walk(store, ids[2], S.PREPARING, S.READY, S.ACTIVE, S.FAILING, S.FAILED,
         reason="1,200 of 1,800 tasks failed, more than the 50% allowed once 1000 tasks have run")  # fmt: skip
    store.checkpoint(ids[2], Checkpoint(600, 1_200, 20.0, 1_800, [], None, {}), [])

    store.create_job(ids[3], spec(description="Restore Q3 from Glacier", ConfirmationRequired=True,
                                  Operation={"S3InitiateRestoreObject": {"ExpirationInDays": 7, "GlacierJobTier": "BULK"}}))  # fmt: skip
    store.save_prepared(ids[3], 830, {}, 0)
    walk(store, ids[3], S.PREPARING, S.SUSPENDED)

    store.create_job(ids[4], spec(description="Re-tag thumbnails"))
    store.save_prepared(ids[4], 10_000, {}, 0)
    walk(store, ids[4], S.PREPARING, S.READY, S.ACTIVE, S.PAUSED,
         reason="the process running it (pid 4242) exited while the job was Active; resume to continue where it stopped")  # fmt: skip
    store.checkpoint(ids[4], Checkpoint(3_100, 0, 12.0, 3_100, [], None, {}), [])

    store.create_job(ids[5], spec(description="Nightly tagging (not started)"))


def make_app(home: Path, seeded: bool = True, offer_resume: bool = False, **options) -> S3BatchApp:
    """The app on a fresh store in `home` (seeded with `seed_demo_store` unless told not to).

    `offer_resume` is off by default: the seeded store has an interrupted job, and the
    start-up question would cover the screen each test is about.
    """
    use_utc()
    settings = Settings.load(home)
    minutes = iter(range(10_000))
    # Each write a minute after the previous one, so "newest first" means something.
    store = Store(settings.db_path, clock=lambda: FIXED_NOW - 86_400 + 60 * next(minutes))
    if seeded:
        seed_demo_store(store)
    return build_app(settings, check_credentials=False, clock=fixed_clock, offer_resume=offer_resume, **options)


def write_spec(path: Path, **kwargs) -> Path:
    """A job file for Pilot tests."""
    path.write_text(json.dumps(spec(**kwargs).to_json_dict()))
    return path


async def settle(app: S3BatchApp, pilot, group: str = "job-actions") -> None:
    """Wait for the action workers (not the store poller, which runs until exit) and a refresh."""
    workers = [w for w in app.workers if w.group == group]
    if workers:  # an empty list would mean "every worker", the poller included
        await app.workers.wait_for_complete(workers)
    app.poll_now()
    await pilot.pause(0.3)
