"""Completion report: staging rows, the AWS layout written to a directory, the reader."""

from __future__ import annotations

import hashlib
import inspect
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from s3batch_tui.core.errors import InputError
from s3batch_tui.core.manifest.entry import ManifestEntry
from s3batch_tui.core.operations.base import SUCCESS, TaskOutcome
from s3batch_tui.core.report import REPORT_SCHEMA, ReportRow, ReportStaging, open_report, write_report
from s3batch_tui.core.report.writer import format_creation_date, result_name
from s3batch_tui.core.spec import JobReport

JOB_ID = "f8fb9d89-a3aa-461d-bddc-ea6a1b131955"
NOW = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
DENIED = TaskOutcome(False, 403, "AccessDenied", 'Access Denied, "really"')


def entry(key: str = "k", raw_key: str | None = None, version_id: str | None = None, bucket: str = "b") -> ManifestEntry:
    return ManifestEntry(0, bucket, key, version_id, raw_key if raw_key is not None else key)


def local_report(tmp_path: Path, prefix: str | None = None, scope: str = "AllTasks") -> JobReport:
    return JobReport(
        enabled=True, bucket=f"file://{tmp_path / 'out'}", format="Report_CSV_20180820", prefix=prefix, report_scope=scope
    )


# --- staging ---------------------------------------------------------------------------


def test_success_row_bytes(tmp_path):
    with ReportStaging(tmp_path) as staging:
        staging.append(entry(), SUCCESS)
    assert (tmp_path / "succeeded.csv").read_bytes() == b"b,k,,succeeded,200,,Successful\n"
    assert (tmp_path / "failed.csv").read_bytes() == b""


def test_failure_row_quotes_commas_and_quotes(tmp_path):
    with ReportStaging(tmp_path) as staging:
        staging.append(entry(version_id="v1"), DENIED)
    assert (tmp_path / "failed.csv").read_bytes() == b'b,k,v1,failed,403,AccessDenied,"Access Denied, ""really"""\n'


def test_row_keeps_the_raw_key_and_quotes_line_breaks(tmp_path):
    with ReportStaging(tmp_path) as staging:
        staging.append(entry("a b/c+d", raw_key="a+b/c%2Bd"), TaskOutcome(False, 0, "", "line\rbreak\nhere"))
    assert (tmp_path / "failed.csv").read_bytes() == b'b,a+b/c%2Bd,,failed,,,"line\rbreak\nhere"\n'


def test_failed_tasks_only_writes_no_successes(tmp_path):
    with ReportStaging(tmp_path, "FailedTasksOnly") as staging:
        staging.append(entry("ok"), SUCCESS)
        staging.append(entry("bad"), DENIED)
        assert staging.flush() == {"failed": (tmp_path / "failed.csv").stat().st_size}
    assert not (tmp_path / "succeeded.csv").exists()
    assert (tmp_path / "failed.csv").read_bytes().startswith(b"b,bad,")


def test_flush_lengths_and_truncate_to_checkpoint(tmp_path):
    staging = ReportStaging(tmp_path)
    staging.append(entry("one"), SUCCESS)
    staging.append(entry("two"), DENIED)
    checkpoint = staging.flush()
    assert checkpoint == {"succeeded": 33, "failed": len((tmp_path / "failed.csv").read_bytes())}
    staging.append(entry("lost"), SUCCESS)
    staging.append(entry("lost"), DENIED)
    staging.flush()
    staging.close()

    # A resumed run re-opens the files and cuts off the rows written after the checkpoint.
    resumed = ReportStaging(tmp_path)
    resumed.truncate_to(checkpoint)
    resumed.append(entry("three"), SUCCESS)
    resumed.close()
    assert (tmp_path / "succeeded.csv").read_bytes() == (
        b"b,one,,succeeded,200,,Successful\nb,three,,succeeded,200,,Successful\n"
    )
    assert b"lost" not in (tmp_path / "failed.csv").read_bytes()


def test_truncate_to_without_checkpoint_empties_and_refuses_lost_rows(tmp_path):
    staging = ReportStaging(tmp_path)
    staging.append(entry(), SUCCESS)
    staging.truncate_to({})
    assert staging.flush() == {"succeeded": 0, "failed": 0}
    with pytest.raises(ValueError, match="fewer than the 10 recorded"):
        staging.truncate_to({"succeeded": 10})
    staging.close()
    staging.close()


# --- writer ----------------------------------------------------------------------------


def test_manifest_shape_layout_and_md5(tmp_path):
    staging = ReportStaging(tmp_path / "staging")
    staging.append(entry(), SUCCESS)
    staging.append(entry("x", version_id="v"), DENIED)
    location = write_report(JOB_ID, local_report(tmp_path, "/reports/daily/"), staging, None, now=NOW)
    staging.close()

    base = tmp_path / "out" / "reports" / "daily" / f"job-{JOB_ID}"
    assert location == f"file://{base}/manifest.json"
    manifest = json.loads((base / "manifest.json").read_bytes())
    succeeded_key = f"reports/daily/job-{JOB_ID}/results/{result_name(JOB_ID, 'succeeded')}"
    failed_key = f"reports/daily/job-{JOB_ID}/results/{result_name(JOB_ID, 'failed')}"
    succeeded_bytes = b"b,k,,succeeded,200,,Successful\n"
    failed_bytes = (tmp_path / "staging" / "failed.csv").read_bytes()
    assert manifest == {
        "Format": "Report_CSV_20180820",
        "ReportCreationDate": "2026-01-02T03:04:05.678Z",
        "Results": [
            {
                "TaskExecutionStatus": "succeeded",
                "Bucket": f"file://{tmp_path / 'out'}",
                "MD5Checksum": hashlib.md5(succeeded_bytes).hexdigest(),
                "Key": succeeded_key,
            },
            {
                "TaskExecutionStatus": "failed",
                "Bucket": f"file://{tmp_path / 'out'}",
                "MD5Checksum": hashlib.md5(failed_bytes).hexdigest(),
                "Key": failed_key,
            },
        ],
        "ReportSchema": "Bucket, Key, VersionId, TaskStatus, ErrorCode, HTTPStatusCode, ResultMessage",
    }
    assert list(manifest) == ["Format", "ReportCreationDate", "Results", "ReportSchema"]
    assert (tmp_path / "out" / succeeded_key).read_bytes() == succeeded_bytes
    assert (tmp_path / "out" / failed_key).read_bytes() == failed_bytes
    assert sorted(p.name for p in (base / "results").iterdir()) == sorted(
        [result_name(JOB_ID, "succeeded"), result_name(JOB_ID, "failed")]
    )


def test_result_names_are_40_hex_and_deterministic():
    name = result_name(JOB_ID, "failed")
    assert len(name) == 44 and name.endswith(".csv") and int(name[:40], 16) >= 0
    assert name == result_name(JOB_ID, "failed") != result_name(JOB_ID, "succeeded")


def test_no_prefix_and_empty_files_left_out(tmp_path):
    staging_dir = tmp_path / "staging"
    with ReportStaging(staging_dir) as staging:
        staging.append(entry(), DENIED)
    location = write_report(JOB_ID, local_report(tmp_path), staging_dir, None, now=NOW)
    assert location == f"file://{tmp_path}/out/job-{JOB_ID}/manifest.json"
    results = json.loads((tmp_path / "out" / f"job-{JOB_ID}" / "manifest.json").read_text())["Results"]
    assert [(r["TaskExecutionStatus"], r["Key"]) for r in results] == [
        ("failed", f"job-{JOB_ID}/results/{result_name(JOB_ID, 'failed')}")
    ]


def test_disabled_report_writes_nothing(tmp_path):
    report = JobReport(enabled=False, bucket=f"file://{tmp_path / 'out'}")
    assert write_report(JOB_ID, report, tmp_path, None) is None
    assert not (tmp_path / "out").exists()


def test_creation_date_is_utc_with_milliseconds():
    assert format_creation_date(datetime(2026, 1, 2, 5, 4, 5, tzinfo=timezone(timedelta(hours=2)))) == (
        "2026-01-02T03:04:05.000Z"
    )
    assert format_creation_date(datetime(2026, 1, 2, 3, 4, 5, 999999)) == "2026-01-02T03:04:05.999Z"


# --- reader ----------------------------------------------------------------------------


def written_report(tmp_path: Path) -> str:
    with ReportStaging(tmp_path / "staging") as staging:
        staging.append(entry("a b", raw_key="a+b"), SUCCESS)
        staging.append(entry("c", version_id="v1"), SUCCESS)
        staging.append(entry("d"), DENIED)
        staging.append(entry("e"), TaskOutcome(False, 503, "SlowDown", "Please reduce\nyour request rate."))
        return write_report(JOB_ID, local_report(tmp_path, "pre"), staging, None, now=NOW)


def test_round_trip(tmp_path):
    location = written_report(tmp_path)
    report = open_report(location)
    rows = report.rows()
    assert inspect.isgenerator(rows)
    assert list(rows) == [
        ReportRow("b", "a+b", None, "succeeded", 200, "", "Successful"),
        ReportRow("b", "c", "v1", "succeeded", 200, "", "Successful"),
        ReportRow("b", "d", None, "failed", 403, "AccessDenied", 'Access Denied, "really"'),
        ReportRow("b", "e", None, "failed", 503, "SlowDown", "Please reduce\nyour request rate."),
    ]
    assert report.creation_date == "2026-01-02T03:04:05.678Z"
    assert [r.status for r in report.results] == ["succeeded", "failed"]
    summary = report.summary()
    assert (summary.total, summary.succeeded, summary.failed) == (4, 2, 2)
    assert summary.by_error_code == {"AccessDenied": 1, "SlowDown": 1}


def test_every_way_to_name_a_report(tmp_path):
    location = written_report(tmp_path)
    manifest = Path(location.removeprefix("file://"))
    csv_file = next((manifest.parent / "results").glob("*.csv"))
    for name in [str(manifest), str(manifest.parent), str(tmp_path / "out" / "pre"), f"file://{manifest.parent}"]:
        assert open_report(name).summary().total == 4, name
    single = open_report(str(csv_file))
    assert single.results[0].status is None and single.summary().total == 2


AWS_MANIFEST = {
    "Format": "Report_CSV_20180820",
    "ReportCreationDate": "2019-04-05T17:48:39.725Z",
    "Results": [
        {
            "TaskExecutionStatus": "succeeded",
            "Bucket": "my-job-reports",
            "MD5Checksum": "83b1c4cbe93fc893f54053697e10fd6e",
            "Key": f"reports/job-{JOB_ID}/results/6217b0fab0de85c408b4be96aeaca9b195a7daa5.csv",
        },
        {
            "TaskExecutionStatus": "failed",
            "Bucket": "my-job-reports",
            "MD5Checksum": "22ee037f3515975f7719699e5c416eaa",
            "Key": f"reports/job-{JOB_ID}/results/b2ddad417e94331e9f37b44f1faf8c7ed5873f2e.csv",
        },
    ],
    "ReportSchema": REPORT_SCHEMA,
}
AWS_SUCCEEDED = (
    "awsexamplebucket1,my+photo%2B1.jpg,,succeeded,200,,Successful\r\n"
    'awsexamplebucket1,image_2.jpg,3HL4kqtJlcpXroDTDmjVBH40Nrjfkd,succeeded,200,,"{""checksum_hex"":""ab""}"\r\n'
)
AWS_FAILED = (
    "awsexamplebucket1,image_14975,,failed,200,PermanentFailure,"
    '"Lambda returned function error: {""errorMessage"":""Task timed out after 3.00 seconds""}"\n'
    "awsexamplebucket1,image_15897,,failed,,InternalError,We encountered an internal error.\n"
)


def aws_copy(tmp_path: Path) -> Path:
    """A report downloaded from S3 (`aws s3 sync s3://my-job-reports/reports/ DIR`)."""
    job = tmp_path / "aws" / f"job-{JOB_ID}"
    (job / "results").mkdir(parents=True)
    (job / "manifest.json").write_text(json.dumps(AWS_MANIFEST, indent=2))
    for result, text in zip(AWS_MANIFEST["Results"], [AWS_SUCCEEDED, AWS_FAILED], strict=True):
        (job / "results" / Path(result["Key"]).name).write_bytes(text.encode())
    return tmp_path / "aws"


def test_reads_an_aws_report(tmp_path):
    report = open_report(str(aws_copy(tmp_path)))
    rows = list(report.rows())
    assert [r.key for r in rows] == ["my+photo%2B1.jpg", "image_2.jpg", "image_14975", "image_15897"]
    assert rows[0].decoded_key == "my photo+1.jpg"
    assert rows[1].version_id == "3HL4kqtJlcpXroDTDmjVBH40Nrjfkd" and rows[1].result_message == '{"checksum_hex":"ab"}'
    assert rows[2].result_message.endswith('"Task timed out after 3.00 seconds"}')
    assert rows[3].http_status is None and rows[3].error_code == "InternalError"
    summary = report.summary()
    assert summary.by_status == {"succeeded": 2, "failed": 2}
    assert summary.by_error_code == {"PermanentFailure": 1, "InternalError": 1}


def write(path: Path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"Format": "Report_CSV_20180820",\n "Results": [}', "invalid JSON"),
        ('{"Format": "S3InventoryReport_CSV_20161130", "Results": []}', "not a completion report manifest"),
        ("[]", "not a completion report manifest"),
        ('{"Format": "Report_CSV_20180820", "Results": {}}', "Results must be a list"),
        ('{"Format": "Report_CSV_20180820", "Results": [{"Bucket": "b"}]}', "Bucket and Key"),
    ],
)
def test_malformed_manifest(tmp_path, text, message):
    where = write(tmp_path / "manifest.json", text)
    with pytest.raises(InputError, match=message) as caught:
        open_report(where)
    assert where in str(caught.value)


def test_invalid_json_names_the_line(tmp_path):
    where = write(tmp_path / "manifest.json", '{"Format": "Report_CSV_20180820",\n "Results": [}')
    with pytest.raises(InputError) as caught:
        open_report(where)
    assert caught.value.where == f"{where} line 2 column 14"


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("b,k,,succeeded,200,,Successful\nb,k,,failed,500,Oops\n", "line 2", "expected 7 columns, got 6"),
        ("b,k,,succeeded,200,,Successful,extra\n", "line 1", "expected 7 columns, got 8"),
        ("b,k,,failed,abc,Oops,bad\n", "line 1", "HTTP status 'abc' is not a number"),
        ('b,k,,failed,500,Oops,"unterminated\n', "line 1", "malformed CSV"),
    ],
)
def test_malformed_rows(tmp_path, text, where, message):
    path = write(tmp_path / "results.csv", text)
    rows = open_report(path).rows()
    with pytest.raises(InputError, match=message) as caught:
        list(rows)
    assert caught.value.where == f"{path} {where}"


def test_not_utf8_and_missing_inputs(tmp_path):
    path = tmp_path / "results.csv"
    path.write_bytes(b"b,k\xff,,succeeded,200,,Successful\n")
    with pytest.raises(InputError, match="not UTF-8"):
        list(open_report(str(path)).rows())
    with pytest.raises(InputError, match="no such file"):
        open_report(str(tmp_path / "nowhere"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no manifest.json"):
        open_report(str(tmp_path / "empty"))


def test_several_jobs_in_one_folder_must_be_chosen(tmp_path):
    written_report(tmp_path)
    with ReportStaging(tmp_path / "staging2") as staging:
        staging.append(entry(), SUCCESS)
        write_report("other-job", local_report(tmp_path, "pre"), staging, None)
    with pytest.raises(InputError, match="2 reports here, choose one"):
        open_report(str(tmp_path / "out" / "pre"))


def test_results_files_match_their_manifest_md5_until_one_changes(tmp_path, capsys):
    from s3batch_tui.cli import main

    location = written_report(tmp_path)
    report = open_report(location)
    assert report.checksum_mismatches() == [] and len(report.results) == 2
    argv = ["--data-dir", str(tmp_path / "data"), "report", "show", location]
    assert main(argv) == 0
    assert "Checksums: 2 results files match the manifest's MD5Checksum" in capsys.readouterr().out
    damaged = Path(report.results[0].location)
    damaged.write_bytes(damaged.read_bytes().replace(b"succeeded", b"failed"))
    mismatches = open_report(location).checksum_mismatches()
    assert [m[0] for m in mismatches] == [str(damaged)] and mismatches[0][1] == report.results[0].md5
    assert main(argv) == 2
    out = capsys.readouterr().out
    assert f"MD5 MISMATCH: {damaged}: the report manifest says {report.results[0].md5}" in out


def test_format_row_fast_path_writes_what_the_csv_module_writes():
    """Rows with nothing to quote skip the csv module; every row must still come out byte for byte the same."""
    import csv
    import io
    import random

    from s3batch_tui.core.report.staging import format_row

    def reference(fields):
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerow(fields)
        return (buffer.getvalue()[:-2] + "\n").encode("utf-8", errors="backslashreplace")

    pieces = ["a", ",", '"', "\r", "\n", " ", "é", "\udc80", "", "'", "%", "+", "\t", "\\"]
    chosen = random.Random(11)
    for _ in range(20_000):
        fields = ["".join(chosen.choice(pieces) for _ in range(chosen.randint(0, 4)))
                  for _ in range(chosen.choice([1, 2, 7]))]  # fmt: skip
        assert format_row(fields) == reference(fields), fields
    assert format_row([""]) == b'""\n'
    assert format_row(["b", "k", "", "succeeded", "200", "", "Successful"]) == b"b,k,,succeeded,200,,Successful\n"
