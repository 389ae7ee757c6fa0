"""Commands that only read: job list/show, manifest validate, report show."""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from pathlib import Path

from s3batch_tui.cli.context import EXIT_BAD_INPUT, EXIT_OK, CliError, Context
from s3batch_tui.cli.progress import format_duration
from s3batch_tui.core.browse import inspect_manifest
from s3batch_tui.core.describe import describe_job, iso, list_item
from s3batch_tui.core.formatting import plural
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
    lines += _handover_lines(ctx, record)
    counts = ctx.store.error_counts(record.id)
    if counts:
        lines.append("  Failed tasks by error code:")
        lines += [f"    {code or '(none)'}: {count}" for code, count in counts.items()]
    lines.append("  History:")
    lines += [f"    {iso(at)}  {status}" + (f"  {reason}" if reason else "") for status, at, reason in ctx.store.history(record.id)]
    print("\n".join(lines))
    return EXIT_OK


def _handover_lines(ctx: Context, record: JobRecord) -> list[str]:
    """Where the rest of a handed-over job runs (or how far its hand-over got)."""
    from s3batch_tui.core.handover.record import DONE, load_record

    link = load_record(ctx.settings.job_dir(record.id))
    if link is None:
        return []
    if link.phase != DONE:
        return [f"  Hand-over:   to {link.backend} not finished (phase {link.phase}); run `job handover` again "
                f"with --manifest-to {link.manifest_to}"]  # fmt: skip
    return [f"  Handed over: {link.remaining:,} entries to job {link.aws_job_id} on {link.backend}",
            f"               manifest {link.manifest}; `report show {record.id[:8]}` reads both reports"]


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
    """The manifest to check, pinned and with its format detected exactly as the wizard does."""
    location = args.location
    if location.startswith("s3://"):
        bucket, _, key = location[5:].partition("/")
        location = f"{S3_ARN_PREFIX}{bucket}/{key}"
    elif not location.startswith(("file://", S3_ARN_PREFIX)):
        path = Path(location).expanduser().absolute()
        if not path.exists():
            raise CliError(f"{args.location}: no such file")
        location = f"file://{path}"
    inspection = inspect_manifest(location, lambda: ctx.clients.client("s3"), etag=args.etag,
                                  version_id=args.version_id, rows=0)  # fmt: skip
    if inspection.manifest is None:
        raise CliError(f"{args.location}: cannot read the manifest: {inspection.error}")
    manifest = inspection.manifest
    if args.format is None and args.fields is None:
        return manifest
    is_inventory = args.format == "inventory" or (args.format is None and location.endswith(".json"))
    spec: dict = {"Format": "S3InventoryReport_CSV_20161130" if is_inventory else "S3BatchOperations_CSV_20180820"}
    if args.fields:
        spec["Fields"] = [name.strip() for name in args.fields.split(",")]
    place = manifest.location.model_dump(by_alias=True, exclude_none=True)
    return Manifest.model_validate({"Spec": spec, "Location": place})


def cmd_manifest_validate(args: argparse.Namespace) -> int:
    """`manifest validate LOCATION`: the errors first, then the verdict and task count."""
    ctx = Context(args)
    manifest = _manifest_from_location(args, ctx)
    scan = open_manifest(manifest, ctx.clients.client("s3")).scan(max_errors=max(args.max_errors, 1))
    for error in scan.errors:
        print(f"error: {error}")
    if scan.skipped_delete_markers:
        print(f"Skipped {plural(scan.skipped_delete_markers, 'delete marker')}")
    if scan.ok:
        print(f"{manifest.spec.format}: valid, {plural(scan.total_tasks, 'task')}")
        return EXIT_OK
    errors = plural(len(scan.errors), "error") + ("" if scan.complete else " (stopped there)")
    print(f"{manifest.spec.format}: not valid, {errors}; {plural(scan.total_tasks, 'good row')} read")
    return EXIT_BAD_INPUT


def cmd_report_show(args: argparse.Namespace) -> int:
    """`report show ID|PATH|s3://...`: counts by status and error code; `--rows` / `--failed` list rows.

    A job handed over to S3 Batch Operations has two reports (the tasks that ran here,
    the rest there): both are read, each under its job's name, then the totals.
    """
    if args.limit is not None and args.limit < 0:
        raise CliError(f"--limit: expected 0 or more, got {args.limit}")
    ctx = Context(args)
    location = args.target
    parts = None
    if not location.startswith(("s3://", "file://")) and not Path(location).exists():
        try:
            record = ctx.store.get(ctx.resolve(location))
        except JobNotFound:
            raise CliError(f"{location}: neither a report path nor a job id") from None
        parts = _handover_parts(ctx, record)
        if not record.report_location and parts is None:
            raise CliError(f"job {record.id} has no report (status {record.status})")
        location = record.report_location
    from s3batch_tui.core.engine.retrying import Retrying  # boto3: only for this command

    # Retried as the engine's own reads are: our clients have botocore's retries off.
    s3 = Retrying().client(ctx.clients.client("s3"))
    if parts is None:
        return _show_report(open_report(location, s3), args)[1]
    code, total = EXIT_OK, Counter()
    for number, part in enumerate(parts, start=1):
        print(f"Part {number}: {part.label}")
        if part.location is None:
            print(f"  Nothing to read yet: {part.note}")
            continue
        summary, part_code = _show_report(open_report(part.location, s3), args)
        total.update(total=summary.total, succeeded=summary.succeeded, failed=summary.failed)
        code = max(code, part_code)
    print(f"Together: {total['total']} tasks ({total['succeeded']} succeeded, {total['failed']} failed) "
          f"from {sum(part.location is not None for part in parts)} of {len(parts)} reports")
    return code


def _handover_parts(ctx: Context, record: JobRecord) -> list | None:
    """The local and AWS parts of a handed-over job's report (None: it was not handed over)."""
    from s3batch_tui.core.handover.record import load_record

    link = load_record(ctx.settings.job_dir(record.id))
    if link is None or not link.aws_job_id:
        return None
    from s3batch_tui.core.backends import S3ControlBackend
    from s3batch_tui.core.backends.s3control import control_client
    from s3batch_tui.core.handover.reports import ReportPart, aws_part

    here = f"local job {record.id} (the {record.succeeded + record.failed:,} tasks that ran here)"
    local = ReportPart(here, record.report_location, None if record.report_location else "no report was written")
    backend = S3ControlBackend(control_client(ctx.args.profile, link.region, link.endpoint), link.account_id)
    return [local, aws_part(link, backend)]


def _show_report(report, args: argparse.Namespace):
    """Print one report's summary (and rows, checksums); returns (summary, exit code)."""
    summary = report.summary()
    print(f"Report: {report.location}")
    if report.creation_date:
        print(f"Created: {report.creation_date}")
    print(f"Tasks: {summary.total} ({summary.succeeded} succeeded, {summary.failed} failed)")
    if summary.by_error_code:
        print("By error code:")
        for code, count in summary.by_error_code.most_common():
            print(f"  {code}: {count}")
    if args.rows or args.failed or args.limit is not None:
        _print_rows(report, failed_only=args.failed, limit=args.limit)
    return summary, _print_checksums(report)


def _print_rows(report, failed_only: bool, limit: int | None) -> None:
    """One line per row (or per failed row), at most `limit` of them; says so when there are none."""
    rows = (row for row in report.rows() if not (failed_only and row.succeeded))
    shown = 0
    for row in rows:
        if limit is not None and shown >= limit:
            print(f"(more rows: showing the first {plural(limit, 'row')}; raise --limit to see more)")
            return
        if shown == 0:
            print("Failed tasks:" if failed_only else "Rows:")
        shown += 1
        version = f" (version {row.version_id})" if row.version_id else ""
        status = row.http_status if row.http_status is not None else "-"
        outcome = "succeeded" if row.succeeded else "failed"
        detail = f"{row.error_code}: {row.result_message}" if row.error_code else row.result_message
        print(f"  {outcome:9} s3://{row.bucket}/{row.decoded_key}{version}: {status} {detail}")
    if shown == 0 and limit != 0:
        print("No failed tasks." if failed_only else "The report has no rows.")


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
