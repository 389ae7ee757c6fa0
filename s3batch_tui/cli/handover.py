"""`job handover ID --manifest-to s3://bucket/prefix/`: the rest of a local job goes to S3 Batch Operations."""

from __future__ import annotations

import argparse
import sys

from s3batch_tui.cli.context import EXIT_OK, CliError, Context
from s3batch_tui.cli.remote import confirmed, control_backend
from s3batch_tui.core.errors import BackendUnreachable
from s3batch_tui.core.handover.plan import plan_handover
from s3batch_tui.core.handover.run import hand_over


def cmd_handover(args: argparse.Namespace) -> int:
    """Print the plan; once confirmed (prompt or --yes) hand over and print the new job's id."""
    ctx = Context(args)
    job_id = ctx.resolve(args.job_id)
    spec = ctx.store.get(job_id).spec
    backend = control_backend(args, spec.account_id, with_s3=True)
    plan = plan_handover(ctx.store, ctx.settings, job_id, args.manifest_to, args.role_arn, backend.label)
    print("\n".join(plan.lines()), file=sys.stderr)  # stdout carries only the new job's id
    if not args.yes and not confirmed("Hand it over?"):
        raise CliError("nothing stopped, uploaded or submitted; confirm at the prompt or give --yes")
    try:
        record = hand_over(ctx.store, ctx.settings, backend.s3_client, backend, plan,
                           lambda line: print(line, file=sys.stderr))  # fmt: skip
    except BackendUnreachable as exc:
        raise CliError(f"{exc}\nThe job may have been created there: run the same command again; the kept "
                       f"ClientRequestToken makes it the same job, and job {job_id} stays paused here until then"
                       ) from None  # fmt: skip
    print(record.aws_job_id)
    print(f"Job {job_id} handed over: {record.done_here:,} tasks ran here, {record.remaining:,} run as job "
          f"{record.aws_job_id} on {record.backend}; `report show {job_id[:8]}` reads both reports", file=sys.stderr)
    return EXIT_OK
