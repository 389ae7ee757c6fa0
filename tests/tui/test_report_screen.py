"""The report viewer: real reports (ours and AWS's), paging, filters, export (snapshots: test_snapshots.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from s3batch_tui.core.manifest.entry import ManifestEntry
from s3batch_tui.core.manifest.open import open_manifest
from s3batch_tui.core.operations.base import SUCCESS, TaskOutcome
from s3batch_tui.core.report import ReportStaging, write_report
from s3batch_tui.core.spec import JobReport, Manifest
from s3batch_tui.tui.screens.ask import AskScreen
from s3batch_tui.tui.screens.report import ReportScreen
from tests.tui.snapshot_app import SIZE, make_app

JOB_ID = "2f1c8e4a-5b6d-4e7f-8a9b-0c1d2e3f4a5b"
CREATED = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
OUTCOMES = {
    0: TaskOutcome(False, 403, "AccessDenied", "Access Denied"),
    1: TaskOutcome(False, 404, "NoSuchKey", "The specified key does not exist."),
    2: TaskOutcome(False, 503, "SlowDown", "Please reduce your request rate. (5 attempts)"),
}
LOCATION = f"reports/job-{JOB_ID}/manifest.json"  # relative to tmp_path: the same in every snapshot


def outcome(number: int) -> TaskOutcome:
    """Every 8th task fails, with one of three errors."""
    return OUTCOMES[number // 8 % 3] if number % 8 == 0 else SUCCESS


def write_real_report(root: Path, rows: int = 300) -> Path:
    """A report written by the real staging files and writer under `root/reports`."""
    with ReportStaging(root / "staging") as staging:
        for number in range(rows):
            key = f"photos/2025/{'summer' if number % 2 else 'winter'} trip/IMG_{number:04d}.jpg"
            entry = ManifestEntry(number, "photo-archive", key, None, key.replace(" ", "+"))
            staging.append(entry, outcome(number))
        report = JobReport(enabled=True, bucket=f"file://{root / 'reports'}", report_scope="AllTasks")
        write_report(JOB_ID, report, staging, None, now=CREATED)
    return root / LOCATION


def write_aws_report(root: Path) -> Path:
    """A report as AWS writes it (downloaded with `aws s3 sync`): CRLF, versions, quoted JSON."""
    job = root / "aws" / "job-aws1"
    (job / "results").mkdir(parents=True)
    names = {"succeeded": "6217b0fab0de85c408b4be96aeaca9b195a7daa5.csv",
             "failed": "b2ddad417e94331e9f37b44f1faf8c7ed5873f2e.csv"}  # fmt: skip
    results = [{"TaskExecutionStatus": status, "Bucket": "my-job-reports", "MD5Checksum": "0" * 32,
                "Key": f"reports/job-aws1/results/{name}"} for status, name in names.items()]  # fmt: skip
    manifest = {"Format": "Report_CSV_20180820", "ReportCreationDate": "2019-04-05T17:48:39.725Z", "Results": results,
                "ReportSchema": "Bucket, Key, VersionId, TaskStatus, ErrorCode, HTTPStatusCode, ResultMessage"}
    (job / "manifest.json").write_text(json.dumps(manifest, indent=2))
    (job / "results" / names["succeeded"]).write_bytes(
        b"awsexamplebucket1,my+photo%2B1.jpg,v1,succeeded,200,,Successful\r\n"
        b'awsexamplebucket1,image_2.jpg,v2,succeeded,200,,"{""checksum_hex"":""ab""}"\r\n'
    )
    (job / "results" / names["failed"]).write_bytes(
        b'awsexamplebucket1,image_14975,v3,failed,200,PermanentFailure,"Lambda returned function error: '
        b'{""errorMessage"":""Task timed out after 3.00 seconds""}"\n'
        b"awsexamplebucket1,image_15897,v4,failed,,InternalError,We encountered an internal error.\n"
    )
    return job


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_real_report(tmp_path)
    return make_app(tmp_path / "home", seeded=False)


async def settle(pilot) -> None:
    """Wait until the report screen's workers are done (the app's store poll never is)."""
    for _ in range(200):
        if not [w for w in pilot.app.workers if w.group.startswith("report") and w.is_running]:
            break
        await pilot.pause(0.05)
    await pilot.pause(0.1)


async def open_screen(pilot, location: str = LOCATION) -> ReportScreen:
    pilot.app.open_report(location)
    await pilot.pause(0.1)
    await settle(pilot)
    return pilot.app.screen


def statuses(screen: ReportScreen) -> set[str]:
    return {row.task_status for row in screen.page.rows}


def text_of(screen, selector: str) -> str:
    return str(screen.query_one(selector).render())


async def test_counts_first_page_failed_filter_paging_and_export(app, tmp_path):
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_screen(pilot)
        assert (screen.summary.total, screen.summary.failed) == (300, 38)
        assert screen.summary.by_error_code == {"AccessDenied": 13, "NoSuchKey": 13, "SlowDown": 12}
        assert screen.table.row_count == 100 and screen.total == 300
        assert "Rows 1–100 of 300 · page 1 of 3" in text_of(screen, "#report-status-line")
        assert "2026-01-02 03:04:05 UTC" in text_of(screen, "#report-head")

        await pilot.press("n")
        await settle(pilot)
        assert screen.page.number == 1 and "Rows 101–200" in text_of(screen, "#report-status-line")

        await pilot.press("f")  # status: failed
        await settle(pilot)
        assert screen.row_filter.status == "failed" and statuses(screen) == {"failed"}
        assert screen.page.number == 0 and screen.total == 38 and screen.table.row_count == 38
        await pilot.press("e")  # the most frequent error code
        await settle(pilot)
        assert {row.error_code for row in screen.page.rows} == {"AccessDenied"} and screen.total == 13

        await pilot.press("x")
        assert isinstance(app.screen, AskScreen)
        await pilot.press("enter")  # the suggested path
        await settle(pilot)
        exported = app.settings.data_dir / "exports" / f"failed-{JOB_ID}.csv"
        lines = exported.read_text().splitlines()
        assert len(lines) == 13 and lines[0] == "photo-archive,photos/2025/winter+trip/IMG_0000.jpg"
        manifest = Manifest.model_validate({"Spec": {"Format": "S3BatchOperations_CSV_20180820"},
                                            "Location": {"ObjectArn": f"file://{exported}"}})  # fmt: skip
        open_manifest(manifest).validate()

        await pilot.press("escape")  # clears the filters first
        await settle(pilot)
        assert screen.row_filter.status is None and screen.total == 300
        await pilot.press("escape")
        assert app.screen is not screen


async def test_paging_past_the_last_row_and_text_filter(app):
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_screen(pilot)
        await pilot.press("G")
        await settle(pilot)
        assert screen.page.number == 2 and screen.table.row_count == 100
        await pilot.press("up")  # on the first row: the previous page, cursor on its last row
        await settle(pilot)
        assert screen.page.number == 1 and screen.table.cursor_row == 99
        await pilot.press("down")  # on its last row: the next page again
        await settle(pilot)
        assert screen.page.number == 2 and screen.table.cursor_row == 0

        await pilot.press("slash", *"summer img_01", "enter")
        await settle(pilot)
        keys = [row.decoded_key for row in screen.page.rows]
        assert keys and all("summer" in key and "IMG_01" in key for key in keys)
        assert screen.total == 50 and screen.row_filter.text == "summer img_01"
        await pilot.press("slash", "escape")  # esc in the box clears the text and hides the box
        await settle(pilot)
        assert screen.row_filter.text == "" and not screen.query_one("#report-filter").display
        assert screen.total == 300


async def test_an_aws_report(app, tmp_path):
    job = write_aws_report(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_screen(pilot, str(job))
        assert (screen.summary.total, screen.summary.failed) == (4, 2)
        assert [row.decoded_key for row in screen.page.rows][:1] == ["my photo+1.jpg"]
        assert "2019-04-05 17:48:39 UTC" in text_of(screen, "#report-head")
        await pilot.press("x", "enter")
        await settle(pilot)
        exported = app.settings.data_dir / "exports" / "failed-aws1.csv"
        assert exported.read_text() == "awsexamplebucket1,image_14975,v3\nawsexamplebucket1,image_15897,v4\n"


async def test_a_bad_location_shows_an_error_panel(app, tmp_path):
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_screen(pilot, str(tmp_path / "no-such-report"))
        panel = screen.query_one("#report-error")
        assert panel.display and "no such file or directory" in text_of(screen, "#report-error")
        assert "Cannot open this report" in text_of(screen, "#report-error")
        assert not screen.query_one("#report-rows").display
        await pilot.press("escape")
        assert app.screen is not screen


async def test_open_any_report_from_the_jobs_screen(app):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.2)
        await pilot.press("O")
        assert isinstance(app.screen, AskScreen)
        app.screen.query_one("#ask-input").value = LOCATION
        await pilot.press("enter")
        await pilot.pause(0.1)
        await settle(pilot)
        assert isinstance(app.screen, ReportScreen) and app.screen.summary.total == 300


async def test_a_report_in_s3(app, server_env, tmp_path):
    s3 = server_env.client()
    s3.create_bucket(Bucket="report-screen")
    write_real_report(tmp_path / "s3", rows=150)
    for path in (tmp_path / "s3" / "reports").rglob("*.*"):
        body = path.read_bytes()
        if path.name == "manifest.json":
            body = body.replace(f"file://{tmp_path / 's3' / 'reports'}".encode(), b"arn:aws:s3:::report-screen")
        s3.put_object(Bucket="report-screen", Key=str(path.relative_to(tmp_path / "s3" / "reports")), Body=body)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_screen(pilot, f"s3://report-screen/job-{JOB_ID}/")
        assert (screen.summary.total, screen.summary.failed) == (150, 19)
        await pilot.press("n")
        await settle(pilot)
        assert screen.page.number == 1 and screen.table.row_count == 50
