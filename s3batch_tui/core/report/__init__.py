"""The AWS completion report (`Report_CSV_20180820`): staging during a run, writer, reader."""

from __future__ import annotations

from s3batch_tui.core.report.reader import Report, ReportRow, ReportSummary, ResultFile, open_report
from s3batch_tui.core.report.staging import ReportStaging
from s3batch_tui.core.report.writer import REPORT_FORMAT, REPORT_SCHEMA, write_report

__all__ = [
    "REPORT_FORMAT",
    "REPORT_SCHEMA",
    "Report",
    "ReportRow",
    "ReportStaging",
    "ReportSummary",
    "ResultFile",
    "open_report",
    "write_report",
]
