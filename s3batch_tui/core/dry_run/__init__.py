"""Dry run: predict what a job would do (missing objects, storage classes, Object Lock,
large copies, key collisions, price and run time) without changing or storing anything."""

from s3batch_tui.core.dry_run.render import dry_run_lines
from s3batch_tui.core.dry_run.run import DryRunResult, dry_run

__all__ = ["DryRunResult", "dry_run", "dry_run_lines"]
