"""`job delete` and `job prune`: managing the job history."""

from __future__ import annotations

import argparse
import time

from s3batch_tui.cli.context import EXIT_OK, Context
from s3batch_tui.core import history
from s3batch_tui.core.formatting import plural
from s3batch_tui.core.store import JobMirror


def cmd_delete(args: argparse.Namespace) -> int:
    """`job delete ID...`: every id is resolved and checked before any job is deleted."""
    ctx = Context(args)
    ctx.store.reap_orphans()  # a job whose runner died is Paused, and deletable
    found = dict(history.resolve_any(ctx.store, job_id) for job_id in args.job_ids)
    for job_id, mirrored in found.items():
        if mirrored:
            JobMirror(ctx.store).delete(job_id)
            print(f"deleted {job_id} from the local history (the S3 Control job itself is untouched)")
        else:
            history.delete_job(ctx.store, ctx.settings, job_id)
            print(f"deleted {job_id}")
    return EXIT_OK


def cmd_prune(args: argparse.Namespace) -> int:
    """`job prune --before WHEN [--dry-run]`: delete the jobs that ended before WHEN."""
    before = history.parse_before(args.before, time.time())
    ctx = Context(args)
    doomed = history.ended_before(ctx.store, before)
    verb = "would delete" if args.dry_run else "deleted"
    for record in doomed:
        if not args.dry_run:
            history.delete_job(ctx.store, ctx.settings, record.id)
        print(f"{verb} {record.id}  {record.status}  {record.description or ''}")
    mirrored = history.mirrored_ended_before(ctx.store, before)
    for job in mirrored:
        if not args.dry_run:
            JobMirror(ctx.store).delete(job.job_id, job.backend)
        print(f"{verb} {job.job_id}  {job.status}  {job.description or ''}  (S3 Control history, {job.backend.key})")
    print(f"{verb} {plural(len(doomed) + len(mirrored), 'job')} that ended before "
          f"{time.strftime('%Y-%m-%d %H:%M', time.localtime(before))}")  # fmt: skip
    return EXIT_OK
