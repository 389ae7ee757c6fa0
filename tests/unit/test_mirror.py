"""The history mirror of S3 Control jobs: store migration 4, write-through rules, offline shapes."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from s3batch_tui.core.backends.mirroring import ControlMirror, as_descriptor, as_job, listed_row
from s3batch_tui.core.errors import JobNotFound
from s3batch_tui.core.store import MIGRATIONS, BackendIdentity, JobMirror, Store

AWS = BackendIdentity("123456789012", "us-east-1", "https://s3-control.us-east-1.amazonaws.com")
SERVED = BackendIdentity("000000000000", "us-east-1", "http://localhost:8787")
T0 = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)


def listed(job_id: str, status: str = "Active", succeeded: int = 0, **more) -> dict:
    """A ListJobs JobListDescriptor as boto3 parses it."""
    return {"JobId": job_id, "Operation": "S3PutObjectTagging", "Priority": 10, "Status": status,
            "CreationTime": T0, "ProgressSummary": {"TotalNumberOfTasks": 10, "NumberOfTasksSucceeded": succeeded,
                                                   "NumberOfTasksFailed": 0}} | more  # fmt: skip


def described(job_id: str, status: str = "Active", **more) -> dict:
    """A DescribeJob Job as boto3 parses it."""
    return listed(job_id, status) | {
        "Operation": {"S3PutObjectTagging": {"TagSet": [{"Key": "k", "Value": "v"}]}},
        "Report": {"Enabled": True, "Bucket": "arn:aws:s3:::reports", "Prefix": "batch/", "Format": "Report_CSV_20180820"},
        "Manifest": {"Spec": {"Format": "S3BatchOperations_CSV_20180820"},
                     "Location": {"ObjectArn": "arn:aws:s3:::in/m.csv", "ETag": "e"}},
        "RoleArn": "arn:aws:iam::123456789012:role/batch",
    } | more  # fmt: skip


@pytest.fixture
def mirror(store) -> ControlMirror:
    return ControlMirror(store, AWS)


def test_migration_4_from_a_v3_store_keeps_its_jobs(tmp_path, job_spec):
    path = tmp_path / "jobs.db"
    with sqlite3.connect(path) as v3:  # a store as the previous release left it, holding one job
        for script in MIGRATIONS[:3]:
            v3.executescript(script)
        v3.execute("PRAGMA user_version=3")
        v3.execute("INSERT INTO jobs (id, spec, operation, priority, status, created_at, updated_at) VALUES "
                   "('kept', ?, 'S3DeleteObjectTagging', 1, 'Complete', 1.0, 2.0)", (job_spec.model_dump_json(),))
    store = Store(path)
    try:
        with sqlite3.connect(path) as db:
            assert db.execute("PRAGMA user_version").fetchone()[0] == 4 == len(MIGRATIONS)
        assert [(r.id, r.status.value, r.spec) for r in store.list()] == [("kept", "Complete", job_spec)]
        ControlMirror(store, AWS).listed([listed("kept")])  # the same id in the other namespace
        assert store.get("kept").status.value == "Complete" and JobMirror(store).get("kept").status == "Active"
    finally:
        store.close()


def test_a_listing_is_mirrored_and_only_changed_rows_are_rewritten(mirror, clock):
    assert mirror.listed([listed("a"), listed("b")]) == 2
    clock.advance(60)
    assert mirror.listed([listed("a"), listed("b", succeeded=4)]) == 1
    jobs = {job.job_id: job for job in mirror.list()}
    assert jobs["a"].changed_at == clock.now - 60 and jobs["a"].last_seen == clock.now  # seen again, unchanged
    assert (jobs["b"].succeeded, jobs["b"].changed_at) == (4, clock.now)
    assert jobs["a"].created_at == T0.timestamp() and jobs["a"].operation == "S3PutObjectTagging"


def test_a_job_gone_from_the_listing_stays_as_last_seen(mirror, clock):
    mirror.listed([listed("old", "Complete", TerminationDate=T0), listed("new")])
    clock.advance(91 * 86400)  # AWS forgets the ended job after 90 days
    mirror.listed([listed("new")])
    old = mirror.get("old")
    assert (old.status, old.last_seen) == ("Complete", clock.now - 91 * 86400)
    assert [job.job_id for job in mirror.list()] == ["new", "old"]  # same creation time: by id


def test_describe_fills_what_a_listing_lacks_and_a_later_status_drops_the_old_reason(mirror):
    mirror.described(described("a", "Suspended", StatusUpdateReason="waiting for you"))
    job = mirror.get("a")
    assert job.report_location == "s3://reports/batch/job-a/manifest.json"
    assert job.manifest_location == "arn:aws:s3:::in/m.csv"
    assert job.status_reason == "waiting for you"
    assert as_job(job)["Operation"] == {"S3PutObjectTagging": {"TagSet": [{"Key": "k", "Value": "v"}]}}
    assert as_job(job)["CreationTime"] == T0

    mirror.listed([listed("a", "Complete", succeeded=10, TerminationDate=T0)])
    job = mirror.get("a")
    assert (job.status, job.status_reason, job.report_location) == ("Complete", None, job.report_location)
    shown = as_job(job)
    assert shown["Status"] == "Complete" and "StatusUpdateReason" not in shown
    assert shown["ProgressSummary"]["NumberOfTasksSucceeded"] == 10 and shown["TerminationDate"] == T0
    assert shown["RoleArn"] == "arn:aws:iam::123456789012:role/batch"


def test_a_created_job_is_mirrored_as_new_unless_already_seen(mirror):
    request = {"Operation": {"S3PutObjectTagging": {}}, "Priority": 3, "Description": "d",
               "Report": {"Enabled": False}, "Manifest": {"Location": {"ObjectArn": "arn:aws:s3:::in/m.csv"}}}  # fmt: skip
    mirror.created("fresh", request)
    job = mirror.get("fresh")
    assert (job.status, job.priority, job.operation, job.manifest_location) == ("New", 3, "S3PutObjectTagging",
                                                                                "arn:aws:s3:::in/m.csv")
    mirror.described(described("seen", "Active"))
    mirror.created("seen", request)  # the same token answered with an earlier job: keep what was seen
    assert mirror.get("seen").status == "Active"
    assert as_job(mirror.get("fresh"))["Operation"] == {"S3PutObjectTagging": {}}


def test_backends_are_kept_apart(store):
    ControlMirror(store, AWS).listed([listed("a")])
    ControlMirror(store, SERVED).listed([listed("b")])
    assert [job.job_id for job in ControlMirror(store, AWS).list()] == ["a"]
    with pytest.raises(JobNotFound):
        ControlMirror(store, AWS).get("b")
    assert JobMirror(store).get("b").backend == SERVED


def test_an_endpoints_user_and_password_never_reach_the_store(store):
    identity = BackendIdentity("000000000000", "us-east-1", "http://user:s3cr3t@localhost:8787/")
    assert identity.endpoint == "http://localhost:8787/"
    ControlMirror(store, identity).listed([listed("a")])
    store.close()
    assert b"s3cr3t" not in b"".join(p.read_bytes() for p in store.path.parent.glob("jobs.db*"))


def test_prune_candidates_and_delete(store, clock):
    mirror = ControlMirror(store, AWS)
    mirror.listed([listed("done", "Complete", TerminationDate=T0), listed("running")])
    assert [job.job_id for job in JobMirror(store).ended_before(T0.timestamp() + 1)] == ["done"]
    assert JobMirror(store).ended_before(T0.timestamp()) == []
    assert JobMirror(store).resolve("do") == "done" and JobMirror(store).resolve("x") is None
    assert JobMirror(store).delete("done") == 1
    with pytest.raises(JobNotFound):
        mirror.get("done")


def test_offline_shapes_are_s3_controls(mirror):
    mirror.listed([listed("a", Description="nightly")])
    descriptor = as_descriptor(mirror.get("a"))
    assert descriptor == listed("a", Description="nightly")
    assert listed_row(descriptor) == listed_row(listed("a", Description="nightly"))
