"""The report browser: pages that seek, filters, counts, and the failed-rows export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from s3batch_tui.core.errors import InputError
from s3batch_tui.core.manifest.entry import ManifestEntry
from s3batch_tui.core.manifest.open import open_manifest
from s3batch_tui.core.operations.base import SUCCESS, TaskOutcome
from s3batch_tui.core.report import ReportStaging, open_report, write_report
from s3batch_tui.core.report import positioned
from s3batch_tui.core.report.browse import (
    Position,
    ReportBrowser,
    RowFilter,
    ScanStopped,
    default_export_name,
    export_failed_manifest,
)
from s3batch_tui.core.spec import JobReport, Manifest

JOB_ID = "f8fb9d89-a3aa-461d-bddc-ea6a1b131955"
DENIED = TaskOutcome(False, 403, "AccessDenied", 'Access Denied, "really"')
MISSING = TaskOutcome(False, 404, "NoSuchKey", "The specified key does not exist.\nLine two")


def outcome(number: int) -> TaskOutcome:
    """Every 10th task is denied, every 15th missing (30th: denied), the rest succeed."""
    return DENIED if number % 10 == 0 else MISSING if number % 15 == 0 else SUCCESS


def written_report(tmp_path: Path, rows: int, version: bool = False) -> str:
    """A report of `rows` tasks written by the real staging files and writer; its location."""
    with ReportStaging(tmp_path / "staging") as staging:
        for number in range(rows):
            key = f"photos/Img {number:05d}.jpg"
            entry = ManifestEntry(number, "photos", key, f"v{number}" if version else None, key.replace(" ", "+"))
            staging.append(entry, outcome(number))
        report = JobReport(enabled=True, bucket=f"file://{tmp_path / 'out'}", report_scope="AllTasks")
        return write_report(JOB_ID, report, staging, None)


def keys(page) -> list[str]:
    return [row.key for row in page.rows]


def all_pages(browser: ReportBrowser, row_filter: RowFilter) -> list[str]:
    found, number = [], 0
    while True:
        page = browser.page(row_filter, number)
        found += keys(page)
        if not page.has_next:
            return found
        number += 1


@pytest.fixture
def location(tmp_path) -> str:
    return written_report(tmp_path, 250)


def test_pages_cover_every_row_in_order(location):
    report = open_report(location)
    expected = [row.key for row in report.rows()]
    browser = ReportBrowser(report, page_size=30)
    assert all_pages(browser, RowFilter()) == expected  # lazily, before any summary
    summary = browser.summary()
    assert (summary.total, summary.failed) == (250, 33)
    assert summary.by_error_code == {"AccessDenied": 25, "NoSuchKey": 8}
    assert all_pages(browser, RowFilter()) == expected  # now from the summary's index
    last = browser.page(RowFilter(), 8)
    assert (last.number, last.total_matching, last.page_count, last.has_next, len(last.rows)) == (8, 250, 9, False, 10)


def test_a_page_past_the_end_is_the_last_page(location):
    browser = ReportBrowser(open_report(location), page_size=100)
    page = browser.page(RowFilter(), 57)
    assert (page.number, len(page.rows), page.first_row, page.total_matching) == (2, 50, 200, 250)


def test_filters_by_status_error_code_and_text(location):
    browser = ReportBrowser(open_report(location), page_size=7)
    failed = all_pages(browser, RowFilter("failed"))
    assert len(failed) == 33 and all(key in failed for key in ("photos/Img+00000.jpg", "photos/Img+00015.jpg"))
    assert len(all_pages(browser, RowFilter(error_code="NoSuchKey"))) == 8
    assert all_pages(browser, RowFilter("succeeded", "NoSuchKey")) == []
    # Text: case-insensitive words, each in the decoded key, the code or the message; report order.
    in_order = [r.key for r in open_report(location).rows() if "0001" in r.key]
    assert all_pages(browser, RowFilter(text="IMG 0001")) == in_order
    assert in_order[:3] == ["photos/Img+00001.jpg", "photos/Img+00011.jpg", "photos/Img+00012.jpg"]
    assert all_pages(browser, RowFilter(text='DENIED "REALLY" img 0012')) == ["photos/Img+00120.jpg"]
    missing = all_pages(browser, RowFilter(error_code="NoSuchKey"))
    assert all_pages(browser, RowFilter("failed", text="line two")) == missing
    assert browser.count(RowFilter(text="nothing like this")) == 0
    empty = browser.page(RowFilter(text="nothing like this"), 3)
    assert (empty.rows, empty.number, empty.total_matching, empty.has_next) == ([], 0, 0, False)


def test_summary_indexes_common_filters_and_text_filters_count_later(location):
    browser = ReportBrowser(open_report(location), page_size=10)
    browser.summary()
    failed = browser.page(RowFilter("failed"), 1)
    assert failed.total_matching == 33 and failed.page_count == 4
    assert browser.page(RowFilter("failed", "AccessDenied"), 0).total_matching == 25
    lazy = browser.page(RowFilter(text="img"), 0)
    assert lazy.total_matching is None and lazy.has_next  # not counted yet
    assert browser.count(RowFilter(text="img")) == 250
    assert browser.page(RowFilter(text="img"), 0).total_matching == 250


def test_later_pages_seek_instead_of_rescanning(tmp_path, monkeypatch):
    """A 20,000-row report: page 150 opens its file at a byte offset and reads one page."""
    location = written_report(tmp_path, 20_000)
    browser = ReportBrowser(open_report(location))
    summary = browser.summary()
    assert (summary.total, summary.succeeded) == (20_000, 20_000 - 2_667)
    opened = []
    real_open = positioned.open_result

    def recording_open(where, client, offset):
        opened.append(offset)
        return real_open(where, client, offset)

    monkeypatch.setattr(positioned, "open_result", recording_open)
    page = browser.page(RowFilter(), 150)
    succeeded = [n for n in range(20_000) if outcome(n) is SUCCESS]
    assert [row.decoded_key for row in page.rows] == [f"photos/Img {n:05d}.jpg" for n in succeeded[15_000:15_100]]
    assert len(opened) == 1 and opened[0] > 0
    assert page.total_matching == 20_000 and page.has_next


def test_offsets_across_files_quotes_crlf_and_blank_lines(tmp_path):
    """An AWS-style report in three files, one with CRLF, quoted newlines and a blank line."""
    results = tmp_path / "job-abc" / "results"
    results.mkdir(parents=True)
    (results / "a.csv").write_bytes(b"b,k1,,succeeded,200,,Successful\nb,k2,,succeeded,200,,Successful")
    (results / "b.csv").write_bytes(
        b'b,k3,,failed,500,InternalError,"multi\r\nline, ""quoted"""\r\n\r\nb,k4,,failed,,,x\r\n'
    )
    (results / "c.csv").write_bytes(b"b,k%2C5,v9,failed,403,AccessDenied,Access Denied\n")
    manifest = {"Format": "Report_CSV_20180820", "ReportCreationDate": "2026-01-02T00:00:00.000Z",
                "Results": [{"TaskExecutionStatus": s, "Bucket": "reports", "Key": f"x/results/{n}.csv"}
                            for s, n in (("succeeded", "a"), ("failed", "b"), ("failed", "c"))]}  # fmt: skip
    (tmp_path / "job-abc" / "manifest.json").write_text(json.dumps(manifest))
    report = open_report(str(tmp_path / "job-abc"))
    browser = ReportBrowser(report, page_size=2)
    browser.summary()
    starts = browser._indexes[(RowFilter(), 2)].starts
    assert starts == [Position(0, 0, 1), Position(1, 0, 1), Position(2, 0, 1)]
    assert browser._indexes[(RowFilter("failed"), 2)].starts == [Position(1, 0, 1), Position(2, 0, 1)]
    rows = browser.page(RowFilter("failed"), 0).rows
    assert rows[0].result_message == 'multi\r\nline, "quoted"' and rows[1].http_status is None
    assert [r.key for r in all_pages_rows(browser)] == [r.key for r in report.rows()]
    lone = ReportBrowser(report, page_size=1)
    assert lone.page(RowFilter(), 3).rows[0].key == "k4"
    assert lone._indexes[(RowFilter(), 1)].starts[3] == Position(1, 60, 4)


def all_pages_rows(browser: ReportBrowser):
    number, rows = 0, []
    while True:
        page = browser.page(RowFilter(), number)
        rows += page.rows
        if not page.has_next:
            return rows
        number += 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'b,k,,failed,500,E,"never closed\n', "quoted field is never closed"),
        (b"b,k,,succeeded,200,,Successful\nb,k,,failed\n", "expected 7 columns, got 4"),
        (b"b,k,,succeeded,OK,,Successful\n", "HTTP status 'OK' is not a number"),
        (b"b,k\xff,,succeeded,200,,Successful\n", "not UTF-8"),
    ],
)
def test_malformed_rows_name_file_and_line(tmp_path, body, message):
    path = tmp_path / "r.csv"
    path.write_bytes(body)
    with pytest.raises(InputError, match=message) as caught:
        ReportBrowser(open_report(str(path))).summary()
    assert caught.value.where.startswith(f"{path} line ")


def test_stop_interrupts_a_scan_and_it_resumes(tmp_path):
    location = written_report(tmp_path, 10_000)
    browser = ReportBrowser(open_report(location))
    with pytest.raises(ScanStopped):
        browser.summary(stop=lambda: True)
    with pytest.raises(ScanStopped):
        browser.count(RowFilter(text="img"), stop=lambda: True)
    assert browser.count(RowFilter(text="img")) == 10_000
    assert browser.summary().total == 10_000


def manifest_of(path: Path, fields: list[str]) -> Manifest:
    return Manifest.model_validate({"Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": fields},
                                    "Location": {"ObjectArn": f"file://{path}"}})  # fmt: skip


def test_export_failed_rows_as_a_valid_manifest(tmp_path, location):
    destination = tmp_path / "exports" / "failed.csv"
    assert export_failed_manifest(open_report(location), destination) == 33
    lines = destination.read_text().splitlines()
    assert lines[0] == "photos,photos/Img+00000.jpg" and len(lines) == 33
    open_manifest(manifest_of(destination, ["Bucket", "Key"])).validate()
    entries = list(open_manifest(manifest_of(destination, ["Bucket", "Key"])).entries())
    assert entries[0].key == "photos/Img 00000.jpg"

    only = ReportBrowser(open_report(location)).export_failed(destination, RowFilter(error_code="NoSuchKey"))
    assert only == 8 and len(destination.read_text().splitlines()) == 8
    assert not list(destination.parent.glob(".*.tmp"))


def test_export_keeps_version_ids(tmp_path):
    location = written_report(tmp_path, 40, version=True)
    destination = tmp_path / "failed.csv"
    assert export_failed_manifest(open_report(location), destination, RowFilter(text="img 0003")) == 1
    assert destination.read_text() == "photos,photos/Img+00030.jpg,v30\n"
    open_manifest(manifest_of(destination, ["Bucket", "Key", "VersionId"])).validate()


def test_export_without_failed_rows_writes_nothing(tmp_path, location):
    destination = tmp_path / "failed.csv"
    with pytest.raises(InputError, match="no failed rows match the filter"):
        export_failed_manifest(open_report(location), destination, RowFilter(text="no such thing"))
    assert not destination.exists() and not list(tmp_path.glob(".*.tmp"))


def test_export_refuses_mixed_version_ids(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("b,k1,v1,failed,403,AccessDenied,x\nb,k2,,failed,403,AccessDenied,x\n")
    with pytest.raises(InputError, match="on every row or on none"):
        export_failed_manifest(open_report(str(path)), tmp_path / "failed.csv")


def test_default_export_name():
    assert default_export_name(f"file:///r/job-{JOB_ID}/manifest.json") == f"failed-{JOB_ID}.csv"
    assert default_export_name("s3://b/reports/job-42/manifest.json") == "failed-42.csv"
    assert default_export_name("/tmp/some results.csv") == "failed-some results.csv"


def test_pages_seek_with_range_gets_in_s3(tmp_path, s3, bucket):
    body = "".join(f"{bucket},k{n:04d},,succeeded,200,,Successful\n" for n in range(1_000)).encode()
    s3.put_object(Bucket=bucket, Key="job-7/results/r.csv", Body=body)
    manifest = {"Format": "Report_CSV_20180820", "Results": [
        {"TaskExecutionStatus": "succeeded", "Bucket": bucket, "Key": "job-7/results/r.csv"}]}  # fmt: skip
    s3.put_object(Bucket=bucket, Key="job-7/manifest.json", Body=json.dumps(manifest).encode())
    ranges = []

    class RecordingClient:
        """The real client, noting the Range of each GET."""

        def __getattr__(self, name):
            return getattr(s3, name)

        def get_object(self, **kwargs):
            ranges.append(kwargs.get("Range"))
            return s3.get_object(**kwargs)

    browser = ReportBrowser(open_report(f"s3://{bucket}/job-7/", RecordingClient()))
    assert browser.summary().total == 1_000
    ranges.clear()
    assert keys(browser.page(RowFilter(), 7)) == [f"k{n:04d}" for n in range(700, 800)]
    assert ranges == [f"bytes={len(body) * 7 // 10}-"]
