"""`run --dry-run JOB.json`: print the prediction; nothing is changed or stored."""

from __future__ import annotations

from s3batch_tui.cli.context import EXIT_OK, Context
from s3batch_tui.core.dry_run import dry_run, dry_run_lines
from s3batch_tui.core.spec import JobSpec


def print_dry_run(ctx: Context, spec: JobSpec, sample: int | None) -> int:
    """Run the dry run with the command's workers and print its lines (exit 0; bad input raises)."""
    result = dry_run(spec, ctx.clients, sample, ctx.settings.workers)
    print("\n".join(dry_run_lines(result)))
    return EXIT_OK
