"""Commands that create, run and steer jobs."""

from __future__ import annotations

import argparse
import signal
import uuid
import sys
from pathlib import Path

from pydantic import ValidationError

from s3batch_tui.cli import lifetime
from s3batch_tui.cli.context import (
    EXIT_BAD_INPUT,
    EXIT_INTERRUPTED,
    EXIT_JOB_UNSUCCESSFUL,
    EXIT_OK,
    CliError,
    Context,
)
from s3batch_tui.cli.progress import ProgressPrinter
from s3batch_tui.core.create import create_job
from s3batch_tui.core.engine.control import ControlResult, request_control
from s3batch_tui.core.engine.events import JobStatusChanged
from s3batch_tui.core.errors import InputError, JobStateError
from s3batch_tui.core.preflight import preflight
from s3batch_tui.core.retry_failed import create_retry_job
from s3batch_tui.core.spec import JobSpec, describe_validation_error, load_job_spec
from s3batch_tui.core.start_failure import record_start_failure
from s3batch_tui.core.status import JobStatus
from s3batch_tui.core.store import JobRecord

_OPTION_FLAGS = {
    "rate": ("MaxOperationsPerSecond",),
    "failure_threshold": ("FailureThreshold", "MaxFailedPercent"),
    "failure_min_tasks": ("FailureThreshold", "MinTasks"),
    "max_attempts": ("MaxAttempts",),
}


def spec_from_args(args: argparse.Namespace) -> JobSpec:
    """The job file with the command line's overrides applied (validated again)."""
    spec = load_job_spec(Path(args.job_file))
    data = spec.to_json_dict()
    changed = False
    for flag, path in _OPTION_FLAGS.items():
        value = getattr(args, flag, None)
        if value is None:
            continue
        changed = True
        target = data.setdefault("LocalOptions", {})
        for part in path[:-1]:
            target = target.setdefault(part, {})
        target[path[-1]] = value
    if getattr(args, "priority", None) is not None:
        data["Priority"] = args.priority
        changed = True
    if not changed:
        return spec
    try:
        return JobSpec.model_validate(data)
    except ValidationError as exc:
        raise CliError(describe_validation_error(exc, "command line options")) from None


def outcome_code(record: JobRecord) -> int:
    """The exit code a finished job earns (see the module docstring of `cli`)."""
    if record.status == JobStatus.COMPLETE:
        return EXIT_OK if record.failed == 0 else EXIT_JOB_UNSUCCESSFUL
    if record.status == JobStatus.FAILED and record.total_tasks is None:
        return EXIT_BAD_INPUT  # failed while preparing: bad manifest, nothing touched
    if record.status.is_terminal:
        return EXIT_JOB_UNSUCCESSFUL
    return EXIT_INTERRUPTED


def print_summary(record: JobRecord) -> None:
    """The end of a run, on stdout."""
    total = "?" if record.total_tasks is None else record.total_tasks
    print(f"Status: {record.status}")
    print(f"Tasks: {total} total, {record.succeeded} succeeded, {record.failed} failed")
    for reason in record.failure_reasons:
        print(f"Failure: {reason['FailureCode']}: {reason['FailureReason']}")
    if record.status_reason and not record.failure_reasons:
        print(f"Reason: {record.status_reason}")
    if record.report_location:
        print(f"Report: {record.report_location}")


def run_to_end(ctx: Context, job_id: str, confirm: bool) -> int:
    """Run or resume a job in this process until it ends; Ctrl-C pauses it."""
    engine = ctx.engine()
    printer = ProgressPrinter()
    engine.add_listener(printer)

    def on_suspended(event) -> None:
        if isinstance(event, JobStatusChanged) and event.old == JobStatus.PREPARING:
            _warn_before_deleting(ctx, job_id)
        if isinstance(event, JobStatusChanged) and event.new == JobStatus.SUSPENDED:
            if confirm:
                ctx.store.set_request(job_id, "confirm")
            else:
                print(f"Waiting for confirmation: s3batch-tui job confirm {job_id}", file=sys.stderr)

    engine.add_listener(on_suspended)
    if confirm and ctx.store.get(job_id).status == JobStatus.SUSPENDED:
        ctx.store.set_request(job_id, "confirm")
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    lifetime.settle()
    try:
        engine.start(job_id)
        record = engine.wait(job_id)
    except KeyboardInterrupt:
        printer.finish()
        print("Interrupted: pausing the job (it resumes with `job run`)...", file=sys.stderr)
        engine.shutdown("interrupted by the user; resume to continue where it stopped")
        record = ctx.store.get(job_id)
    else:
        engine.shutdown()
    finally:
        signal.signal(signal.SIGTERM, previous)
    printer.finish()
    print_summary(record)
    return outcome_code(record)


def _warn_before_deleting(ctx: Context, job_id: str) -> None:
    record = ctx.store.get(job_id)
    if record.operation == "LocalDeleteObject" and record.total_tasks is not None:
        print(f"This job deletes {record.total_tasks:,} objects (or exact versions) listed in its manifest.",
              file=sys.stderr, flush=True)  # fmt: skip


def _raise_interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def cmd_run(args: argparse.Namespace) -> int:
    """`run JOB.json`: create, then run to the end; the job id is stdout's first line."""
    ctx = Context(args)
    spec = spec_from_args(args)
    if args.dry_run:
        from s3batch_tui.cli.dry_run import print_dry_run  # a run does not pay for the dry run's probes

        return print_dry_run(ctx, spec, args.sample)
    if args.sample is not None:
        raise CliError("--sample applies only with --dry-run")
    job_id = str(uuid.uuid4())
    token = spec.client_request_token
    if token is None or ctx.store.job_for_token(token) is None:  # a known token: nothing new runs
        preflight(spec, ctx.clients, job_id)  # bad environment: exit 2 with nothing stored
    record = ctx.store.get(create_job(ctx.store, spec, job_id))
    print(record.id, flush=True)
    if record.status.is_terminal:  # its ClientRequestToken named a job that has run already
        print_summary(record)
        return outcome_code(record)
    return run_to_end(ctx, record.id, args.yes)


def cmd_create(args: argparse.Namespace) -> int:
    """`job create JOB.json`: store the job and print only its id."""
    ctx = Context(args)
    spec = spec_from_args(args)
    print(create_job(ctx.store, spec))
    return EXIT_OK


def cmd_job_run(args: argparse.Namespace) -> int:
    """`job run ID`: run or resume until the job ends (the TUI's runners are this command too)."""
    ctx = Context(args)
    job_id = ctx.resolve(args.job_id)
    record = ctx.store.get(job_id)
    if not record.status.is_terminal and not ctx.store.lease_is_live(record):
        try:
            preflight(record.spec, ctx.clients, job_id)
        except InputError as exc:
            record_start_failure(ctx.store, job_id, exc.code, str(exc))
            raise
    return run_to_end(ctx, job_id, args.yes)


def cmd_control(args: argparse.Namespace) -> int:
    """`job pause|resume|cancel|confirm ID`."""
    ctx = Context(args)
    job_id = ctx.resolve(args.job_id)
    result = request_control(ctx.store, job_id, args.action)
    if result == ControlResult.NEEDS_RUNNER:
        print(f"Cancelling {job_id}: writing the report of the tasks that ran...", file=sys.stderr)
        run_to_end(ctx, job_id, confirm=False)
        cancelled = ctx.store.get(job_id).status == JobStatus.CANCELLED
        return EXIT_OK if cancelled else EXIT_JOB_UNSUCCESSFUL
    record = ctx.store.get(job_id)
    if result == ControlResult.REQUESTED:
        print(f"{args.action} requested for {job_id}; its runner acts on it within a second")
    else:
        print(f"{job_id} is now {record.status}")
        if args.action in ("resume", "confirm"):
            print(f"Run it with: s3batch-tui job run {job_id}")
    return EXIT_OK


def cmd_priority(args: argparse.Namespace) -> int:
    """`job priority ID N`."""
    ctx = Context(args)
    job_id = ctx.resolve(args.job_id)
    try:
        ctx.store.set_priority(job_id, args.priority)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    print(f"{job_id} priority is now {args.priority}")
    return EXIT_OK


def cmd_retry_failed(args: argparse.Namespace) -> int:
    """`job retry-failed ID`: a new job over the failed tasks; prints its id."""
    if args.manifest_to:
        raise CliError("--manifest-to: a local retry reads its failed tasks from the store; it applies with --backend aws")
    ctx = Context(args)
    try:
        print(create_retry_job(ctx.store, ctx.settings, ctx.resolve(args.job_id)))
    except JobStateError as exc:
        raise CliError(str(exc)) from None
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    """`demo`: a job on an embedded S3 server, no AWS needed."""
    from s3batch_tui.demo import run_demo

    if args.objects < 1:
        raise CliError(f"--objects: expected at least 1, got {args.objects}")
    return run_demo(Context(args).settings, args.objects, args.headless)
