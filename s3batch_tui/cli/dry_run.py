"""`run --dry-run JOB.json`: print the prediction; nothing is changed or stored."""

from __future__ import annotations

from s3batch_tui.cli.context import EXIT_OK, Context
from s3batch_tui.core.dry_run import dry_run, dry_run_lines
from s3batch_tui.core.spec import JobSpec


DEFAULT_SAMPLE = 100


def print_dry_run(ctx: Context, spec: JobSpec, sample: int | str | None) -> int:
    """Run the dry run with the command's workers and print its lines (exit 0; bad input raises).

    `sample`: objects to HEAD, "all", or None for the default (100).
    """
    count = None if sample == "all" else (sample or DEFAULT_SAMPLE)
    result = dry_run(spec, ctx.clients, count, ctx.settings.workers)
    print("\n".join(dry_run_lines(result)))
    return EXIT_OK
