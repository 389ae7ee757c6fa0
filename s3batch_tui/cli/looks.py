"""Commands that only read: job list/show, manifest validate, report show."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from s3batch_tui.cli.context import EXIT_BAD_INPUT, EXIT_OK, CliError, Context
from s3batch_tui.cli.progress import format_duration
from s3batch_tui.core.describe import describe_job, iso, list_item
from s3batch_tui.core.errors import JobNotFound
from s3batch_tui.core.expiry import expire_suspended
from s3batch_tui.core.manifest.open import open_manifest
from s3batch_tui.core.report import open_report
from s3batch_tui.core.spec import Manifest, S3_ARN_PREFIX
from s3batch_tui.core.store import JobRecord


def _progress_text(record: JobRecord) -> str:
    done = record.succeeded + record.failed
    total = "?" if record.total_tasks is None else str(record.total_tasks)
    return f"{done}/{total}"


def cmd_list(args: argparse.Namespace) -> int:
    """`job list [--json]`."""
    ctx = Context(args)
    ctx.store.reap_orphans()
    expire_suspended(ctx.store, timeout_days=ctx.settings.suspended_timeout_days)
    records = ctx.store.list()
    if args.json:
        print(json.dumps({"Jobs": [list_item(r) for r in records]}, indent=2, ensure_ascii=False))
        return EXIT_OK
    if not records:
        print("No jobs yet. Create one with: s3batch-tui job create JOB.json")
        return EXIT_OK
    header = ("ID", "STATUS", "OPERATION", "DONE/TOTAL", "FAILED", "PRIO", "CREATED", "DESCRIPTION")
    rows = [
        (r.id[:8], r.status.value, r.operation, _progress_text(r), str(r.failed), str(r.priority),
         time.strftime("%Y-%m-%d %H:%M", time.localtime(r.created_at)), r.description or "")
        for r in records
    ]  # fmt: skip
    print_table([header, *rows])
    return EXIT_OK


def print_table(rows: list[tuple[str, ...]]) -> None:
    """Rows in aligned columns; the last column (free text) is not padded."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[-1])


def cmd_show(args: argparse.Namespace) -> int:
    """`job show ID [--json]`."""
    ctx = Context(args)
    ctx.store.reap_orphans()
    expire_suspended(ctx.store, timeout_days=ctx.settings.suspended_timeout_days)
    record = ctx.store.get(ctx.resolve(args.job_id))
    description = describe_job(record, ctx.store, region=ctx.aws.region)
    if args.json:
        print(json.dumps(description, indent=2, ensure_ascii=False))
        return EXIT_OK
    job = description["Job"]
    total = record.total_tasks if record.total_tasks is not None else "?"
    lines = [
        f"Job {record.id}",
        f"  Description: {record.description or ''}",
        f"  Operation:   {record.operation}",
        f"  Request path: {job['Local']['RequestPath']}",
        f"  Status:      {record.status}" + (f" ({record.status_reason})" if record.status_reason else ""),
        f"  Priority:    {record.priority}",
        f"  Tasks:       {total} total, {record.succeeded} succeeded, {record.failed} failed",
        f"  Active for:  {format_duration(record.active_seconds)}",
        *_runtime_lines(record.runtime),
        f"  Created:     {job['CreationTime']}",
    ]
    if record.terminated_at:
        lines.append(f"  Ended:       {job['TerminationDate']}")
    lines += [f"  Failure:     {r['FailureCode']}: {r['FailureReason']}" for r in record.failure_reasons]
    if record.report_location:
        lines.append(f"  Report:      {record.report_location}")
    counts = ctx.store.error_counts(record.id)
    if counts:
        lines.append("  Failed tasks by error code:")
        lines += [f"    {code or '(none)'}: {count}" for code, count in counts.items()]
    lines.append("  History:")
    lines += [f"    {iso(at)}  {status}" + (f"  {reason}" if reason else "") for status, at, reason in ctx.store.history(record.id)]
    print("\n".join(lines))
    return EXIT_OK


def _runtime_lines(runtime: dict | None) -> list[str]:
    """The live rate and outage of a running job (empty when no runner publishes any)."""
    if not runtime:
        return []
    ceiling = runtime.get("RateCeiling")
    rate = runtime.get("EffectiveRate")
    line = f"  Rate limit:  {f'{rate:,.0f}/s' if rate else 'none'}, ceiling {f'{ceiling:g}/s' if ceiling else 'none'}"
    if runtime.get("RateCuts"):
        line += f", lowered {runtime['RateCuts']} time(s) after SlowDown"
    lines = [line]
    if "OutageSeconds" in runtime:
        lines.append(f"  Outage:      endpoint unreachable for {format_duration(runtime['OutageSeconds'])}")
    return lines


def _manifest_from_location(args: argparse.Namespace, ctx: Context) -> Manifest:
    location = args.location
    if location.startswith("s3://"):
        bucket, _, key = location[5:].partition("/")
        location = f"{S3_ARN_PREFIX}{bucket}/{key}"
    elif not location.startswith(("file://", S3_ARN_PREFIX)):
        path = Path(location).expanduser().absolute()
        if not path.exists():
            raise CliError(f"{args.location}: no such file")
        location = f"file://{path}"
    is_inventory = args.format == "inventory" or (args.format is None and location.endswith(".json"))
    spec: dict = {"Format": "S3InventoryReport_CSV_20161130" if is_inventory else "S3BatchOperations_CSV_20180820"}
    if args.fields:
        spec["Fields"] = [name.strip() for name in args.fields.split(",")]
    place: dict = {"ObjectArn": location}
    if location.startswith(S3_ARN_PREFIX):
        bucket, _, key = location[len(S3_ARN_PREFIX):].partition("/")
        head_args = {"Bucket": bucket, "Key": key} | ({"VersionId": args.version_id} if args.version_id else {})
        try:
            place["ETag"] = args.etag or ctx.clients.client("s3").head_object(**head_args)["ETag"]
        except Exception as exc:  # noqa: BLE001 - any failure to find it is the user's answer
            raise CliError(f"{args.location}: cannot read the manifest object: {exc}") from None
        if args.version_id:
            place["ObjectVersionId"] = args.version_id
    return Manifest.model_validate({"Spec": spec, "Location": place})


def cmd_manifest_validate(args: argparse.Namespace) -> int:
    """`manifest validate LOCATION`: the task count and the first errors."""
    ctx = Context(args)
    manifest = _manifest_from_location(args, ctx)
    scan = open_manifest(manifest, ctx.clients.client("s3")).scan(max_errors=max(args.max_errors, 1))
    noun = "task" if scan.total_tasks == 1 else "tasks"
    print(f"{manifest.spec.format}: {scan.total_tasks} {noun}" + ("" if scan.complete else " (before it stopped)"))
    if scan.skipped_delete_markers:
        print(f"Skipped {scan.skipped_delete_markers} delete markers")
    for error in scan.errors:
        print(f"error: {error}")
    return EXIT_OK if scan.ok else EXIT_BAD_INPUT


def cmd_report_show(args: argparse.Namespace) -> int:
    """`report show ID|PATH|s3://...`: counts by status and error code; `--failed` lists failures."""
    ctx = Context(args)
    location = args.target
    if not location.startswith(("s3://", "file://")) and not Path(location).exists():
        try:
            record = ctx.store.get(ctx.resolve(location))
        except JobNotFound:
            raise CliError(f"{location}: neither a report path nor a job id") from None
        if not record.report_location:
            raise CliError(f"job {record.id} has no report (status {record.status})")
        location = record.report_location
    report = open_report(location, ctx.clients.client("s3"))
    summary = report.summary()
    print(f"Report: {report.location}")
    if report.creation_date:
        print(f"Created: {report.creation_date}")
    print(f"Tasks: {summary.total} ({summary.succeeded} succeeded, {summary.failed} failed)")
    if summary.by_error_code:
        print("By error code:")
        for code, count in summary.by_error_code.most_common():
            print(f"  {code}: {count}")
    if args.failed:
        print("Failed tasks:")
        for row in report.rows():
            if not row.succeeded:
                version = f" (version {row.version_id})" if row.version_id else ""
                status = row.http_status if row.http_status is not None else "-"
                print(f"  s3://{row.bucket}/{row.decoded_key}{version}: {status} {row.error_code}: {row.result_message}")
    return _print_checksums(report)


def _print_checksums(report) -> int:
    """Check each results file against the manifest's MD5Checksum; exit 2 when one differs."""
    checked = [result for result in report.results if result.md5]
    mismatches = report.checksum_mismatches()
    for location, expected, actual in mismatches:
        print(f"MD5 MISMATCH: {location}: the report manifest says {expected}, the file's MD5 is {actual}"
              " (the file changed or is damaged)")  # fmt: skip
    if checked and not mismatches:
        noun = "file matches" if len(checked) == 1 else "files match"
        print(f"Checksums: {len(checked)} results {noun} the manifest's MD5Checksum")
    return EXIT_BAD_INPUT if mismatches else EXIT_OK
