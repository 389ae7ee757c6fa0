"""The job inspector: the spec in words, history, failures, job keys (snapshots: test_snapshots.py)."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Sparkline, Static

from s3batch_tui.core.status import JobStatus as S
from s3batch_tui.core.store import Checkpoint, FailureRow, Store, runner_identity
from s3batch_tui.tui.screens.inspector import InspectorScreen
from tests.tui.snapshot_app import SIZE, make_app, spec, walk

FAILED = "aaaaaaaa-0000-4000-8000-00000000000a"
COMPLETE = "bbbbbbbb-0000-4000-8000-00000000000b"
PAUSED = "cccccccc-0000-4000-8000-00000000000c"
READY = "dddddddd-0000-4000-8000-00000000000d"
NEW = "eeeeeeee-0000-4000-8000-00000000000e"
ERRORS = (
    ("NoSuchKey", 404, "The specified key does not exist."),
    ("AccessDenied", 403, "Access Denied"),
    ("InvalidObjectState", 403, "The operation is not valid for the object's storage class"),
)


def failures(count: int, bucket: str = "invoices") -> list[FailureRow]:
    """Failed tasks with URL-encoded keys (`+` is a space) and three error codes."""
    rows = []
    for ordinal in range(count):
        code, http, message = ERRORS[ordinal % 7 % 3]
        rows.append(FailureRow(ordinal, bucket, f"2025/inv+{ordinal:04d}%C3%A9.pdf", None, http, code, message))
    return rows


def seed(store: Store) -> None:
    """Jobs in the states the inspector shows differently (ids sort in this order, oldest last)."""
    copy = {"S3PutObjectCopy": {"TargetResource": "arn:aws:s3:::backup", "TargetKeyPrefix": "archive",
                                "StorageClass": "STANDARD_IA", "MetadataDirective": "REPLACE",
                                "NewObjectMetadata": {"ContentType": "text/plain"}}}  # fmt: skip
    store.create_job(FAILED, spec(copy, "Copy invoices to the backup bucket"))
    store.save_prepared(FAILED, 2_000, {}, 0)
    walk(store, FAILED, S.PREPARING, S.READY, S.ACTIVE, S.FAILING)
    store.checkpoint(FAILED, Checkpoint(700, 1_200, 20.0, 1_900, [], None, {}), failures(1_200))
    too_many = {"FailureCode": "TooManyFailures", "FailureReason": "more than 50% of tasks failed"}
    store.set_status(FAILED, S.FAILED, "1,200 of 1,900 tasks failed, more than the 50% allowed once 1,000 have run",
                     failure_reasons=[too_many])  # fmt: skip
    store.set_report_location(FAILED, "file:///data/reports/job-aaaaaaaa-0000-4000-8000-00000000000a/manifest.json")

    store.create_job(COMPLETE, spec({"S3PutObjectTagging": {"TagSet": [{"Key": "team", "Value": "data"},
                                                                       {"Key": "env", "Value": "prod"}]}},
                                    "Tag the data lake", LocalOptions={"MaxOperationsPerSecond": 500}))  # fmt: skip
    store.save_prepared(COMPLETE, 5_000, {}, 0)
    walk(store, COMPLETE, S.PREPARING, S.READY, S.ACTIVE, S.COMPLETING)
    store.checkpoint(COMPLETE, Checkpoint(5_000, 0, 61.0, 5_000, [], None, {}), [])
    store.set_status(COMPLETE, S.COMPLETE)
    store.set_report_location(COMPLETE, "file:///data/reports/job-bbbbbbbb-0000-4000-8000-00000000000b/manifest.json")

    store.create_job(PAUSED, spec({"LocalDeleteObject": {"Confirmed": True}}, "Delete last year's temp files"))
    store.save_prepared(PAUSED, 10_000, {}, 0)
    walk(store, PAUSED, S.PREPARING, S.READY, S.ACTIVE)
    store.checkpoint(PAUSED, Checkpoint(3_095, 5, 12.0, 3_100, [], None, {}), failures(5, "tmp"))
    store.set_status(PAUSED, S.PAUSED, "paused by the user")

    store.create_job(READY, spec(description="Re-tag thumbnails"))
    store.save_prepared(READY, 800, {}, 0)
    walk(store, READY, S.PREPARING, S.READY)

    store.create_job(NEW, spec({"S3InitiateRestoreObject": {"ExpirationInDays": 7, "GlacierJobTier": "BULK"}},
                               "Restore Q3 from Glacier"))  # fmt: skip


@pytest.fixture
def app(tmp_path):
    app = make_app(tmp_path / "home", seeded=False)
    seed(app.store)
    return app


async def open_inspector(pilot, job_id: str) -> InspectorScreen:
    """Open a job's inspector and wait until its details are on screen."""
    await pilot.pause(0.3)
    pilot.app.open_inspector(job_id)
    for _ in range(100):
        await pilot.pause(0.05)
        screen = pilot.app.screen
        if isinstance(screen, InspectorScreen) and screen.details is not None:
            break
    await pilot.pause(0.1)
    return pilot.app.screen


async def settle(pilot) -> None:
    """Wait for job actions (not the endless store poll) and one more poll."""
    actions = [w for w in pilot.app.workers if w.group == "job-actions"]
    if actions:  # an empty list would mean every worker, the endless poll included
        await pilot.app.workers.wait_for_complete(actions)
    await pilot.pause(0.4)


def text_of(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


# --- behaviour ---------------------------------------------------------------------------


async def test_enter_opens_the_inspector_with_spec_history_and_failures(app):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.3)
        table = app.screen.table
        table.move_cursor(row=table.get_row_index(FAILED))
        await pilot.press("enter")
        for _ in range(100):
            await pilot.pause(0.05)
            if isinstance(app.screen, InspectorScreen) and app.screen.details is not None:
                break
        screen = app.screen
        assert isinstance(screen, InspectorScreen) and screen.job_id == FAILED
        spec_text = " ".join(str(w.render()) for w in screen.query(".spec-text"))
        assert "Copy each object to bucket backup under prefix archive (key becomes archive/<key>)" in spec_text
        assert "storage class STANDARD_IA" in spec_text and "All tasks, to local directory /data/reports/" in spec_text
        history = text_of(screen, "#inspector-history")
        assert [s.value for s in (S.NEW, S.PREPARING, S.READY, S.ACTIVE, S.FAILING, S.FAILED)] == [
            line.split("● ")[1].split(" ")[0] for line in history.splitlines() if "● " in line
        ]
        assert "more than the 50% allowed" in history
        errors = text_of(screen, "#inspector-errors")
        assert errors.index("NoSuchKey") < errors.index("AccessDenied")
        failures_table = screen.query_one("#inspector-failures", DataTable)
        assert failures_table.row_count == 20
        key, code, http, message = (str(cell) for cell in failures_table.get_row_at(0))
        assert (key, code, http) == ("2025/inv 1199é.pdf", "InvalidObjectState", "403")
        assert "TooManyFailures" in text_of(screen, "#inspector-reasons")


async def test_pausing_a_ready_job_from_the_inspector(app):
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_inspector(pilot, READY)
        assert "Ready" in text_of(screen, "#inspector-title")
        assert not screen.query_one(Sparkline).display  # no task can finish: nothing to sample
        await pilot.press("p")
        await settle(pilot)
        assert app.store.get(READY).status == S.PAUSED
        assert "Paused" in text_of(screen, "#inspector-title")
        await pilot.pause(1.2)  # the history reloads at most once a second
        assert "paused by the user" in text_of(screen, "#inspector-history")


async def test_cancel_asks_first_then_cancels_a_new_job(app):
    async with app.run_test(size=SIZE) as pilot:
        await open_inspector(pilot, NEW)
        await pilot.press("c")
        assert app.screen.__class__.__name__ == "ConfirmScreen"
        assert "eeeeeeee (Restore Q3 from Glacier)" in str(app.screen.query_one("#confirm-question", Static).render())
        await pilot.press("escape")
        await pilot.pause(0.2)
        assert isinstance(app.screen, InspectorScreen) and app.store.get(NEW).status == S.NEW
        await pilot.press("c", "y")
        await settle(pilot)
        assert app.store.get(NEW).status == S.CANCELLED


async def test_ended_jobs_refuse_cancel_and_priority(app):
    async with app.run_test(size=SIZE) as pilot:
        await open_inspector(pilot, COMPLETE)
        await pilot.press("c")
        assert isinstance(app.screen, InspectorScreen)  # no question: nothing to cancel
        await pilot.press("plus")
        await settle(pilot)
        assert app.store.get(COMPLETE).priority == 10


async def test_escape_returns_to_the_jobs_table(app):
    async with app.run_test(size=SIZE) as pilot:
        await open_inspector(pilot, COMPLETE)
        await pilot.press("escape")
        await pilot.pause(0.1)
        assert app.screen.__class__.__name__ == "JobsScreen"


async def test_throughput_is_sampled_while_tasks_run(app):
    store = app.store
    store.create_job("ffffffff-0000-4000-8000-00000000000f", spec(description="Running"))
    job_id = "ffffffff-0000-4000-8000-00000000000f"
    store.save_prepared(job_id, 1_000, {}, 0)
    walk(store, job_id, S.PREPARING, S.READY, S.ACTIVE)
    store.acquire_lease(job_id, runner_identity())  # a live runner: the poll does not reap it
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_inspector(pilot, job_id)
        for step in range(1, 5):
            store.checkpoint(job_id, Checkpoint(100 * step, 0, step, 100 * step, [], None, {}), [])
            await pilot.pause(0.6)
        assert screen.throughput and max(screen.throughput) > 0
        assert screen.query_one(Sparkline).display
        assert "tasks/s" in text_of(screen, "#inspector-sparkline-caption")
