"""Exporting a report's failed rows as a CSV manifest for a new job (the report viewer's `x`)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from textual import work
from textual.markup import escape

from s3batch_tui.core.report.browse import RowFilter, default_export_name
from s3batch_tui.tui.screens.ask import AskScreen


class ExportFailedMixin:
    """Asks where, then writes the failed rows (the filter's, any status) off the UI thread.

    The screen provides `browser` (a `ReportBrowser` or None), `summary` and `row_filter`.
    """

    def action_export_failed(self) -> None:
        if self.browser is None:
            return
        if self.summary is not None and not self.summary.failed:
            self.notify("No failed rows to export: every task succeeded.", severity="warning")
            return
        wanted = replace(self.row_filter, status=None)
        which = "the failed rows" if wanted == RowFilter() else "the failed rows matching the filter"
        default = self.app.settings.data_dir / "exports" / default_export_name(self.browser.report.location)
        prompt = f"Write {which} as a CSV manifest (bucket,key[,versionId]) to this file:"

        def export(answer: str | None) -> None:
            if answer:
                self._write_export(Path(answer).expanduser(), wanted)

        self.app.push_screen(AskScreen("Export failed rows", prompt, str(default)), export)

    @work(thread=True, exit_on_error=False, group="report-export")
    def _write_export(self, destination: Path, row_filter: RowFilter) -> None:
        try:
            written = self.browser.export_failed(destination, row_filter)
        except Exception as exc:  # noqa: BLE001
            self.app.notify(escape(str(exc)), title="Nothing exported", severity="error", timeout=10)
            return
        self.app.notify(
            f"{written:,} failed rows written to {escape(str(destination))}.\nUse it as the manifest of a "
            "new job: the wizard (n on the jobs screen), or a job file for `s3batch-tui job create`.",
            title="Failed rows exported", timeout=15,
        )  # fmt: skip
