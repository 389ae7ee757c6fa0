"""Command line: subcommands for scripts; no subcommand opens the TUI.

Exit codes: 0 job Complete with no failed task; 1 Complete with failed tasks, Failed
or Cancelled; 2 bad input (nothing started); 3 the S3 Control endpoint did not answer
and the local history was shown; 130 interrupted (the job is Paused and resumes with
`job run`).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable

from s3batch_tui import __version__
from s3batch_tui.cli import lifetime
from s3batch_tui.cli import serve as serve_commands
from s3batch_tui.core.clip import clip_repr


def command(target: str) -> Callable[[argparse.Namespace], int]:
    """The handler `module.function` of `s3batch_tui.cli`, imported only when its command runs.

    Parsing the command line (and `--version`, `--help`) then costs no import of boto3,
    pydantic or textual: each command pays only for what it uses.
    """
    module, _, function = target.partition(".")

    def handler(args: argparse.Namespace) -> int:
        return getattr(importlib.import_module(f"s3batch_tui.cli.{module}"), function)(args)

    return handler


def _spec_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("local run options (stored in the job's LocalOptions)")
    group.add_argument("--rate", type=float, metavar="OPS", help="at most OPS operations per second for this job")
    group.add_argument("--failure-threshold", type=float, metavar="PCT",
                       help="fail the job when more than PCT%% of tasks failed (default 50)")  # fmt: skip
    group.add_argument("--failure-min-tasks", type=int, metavar="N",
                       help="apply the failure threshold once N tasks ran (default 1000)")  # fmt: skip
    group.add_argument("--max-attempts", type=int, metavar="N", help="attempts per task for transient errors (default 5)")
    parser.add_argument("--priority", type=int, help="override the job file's Priority")


def _run_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workers", type=int, metavar="N", help="worker threads (default 16, or S3BATCH_TUI_WORKERS); "
                        "the lean path keeps 16 requests in flight per worker")
    parser.add_argument("--yes", action="store_true", help="confirm the job if it needs confirmation")
    parser.add_argument("--yes-delete", action="store_true",
                        help="allow a LocalDeleteObject job to delete (instead of Confirmed: true in the job file)")  # fmt: skip


def sample_size(text: str) -> int | str:
    """`--sample`: a positive count, or "all"."""
    if text == "all":
        return text
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive number or 'all', got {clip_repr(text)}")
    return int(text)


def _backend_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("backend (where jobs live)")
    group.add_argument("--backend", choices=("local", "aws"),
                       help="local store and engine (default), or an S3 Control endpoint (default for job submit)")  # fmt: skip
    group.add_argument("--account-id", dest="control_account_id", metavar="ID",
                       help="S3 Control account (default: the job file's AccountId, else STS GetCallerIdentity)")  # fmt: skip
    group.add_argument("--control-endpoint", metavar="URL",
                       help="S3 Control endpoint, used as given (e.g. `s3batch-tui serve`; default: AWS)")  # fmt: skip


GLOBAL_FLAGS = (
    ("--endpoint-url", "S3 endpoint (default: AWS_ENDPOINT_URL, else AWS)"),
    ("--profile", "AWS profile (default: AWS_PROFILE)"),
    ("--region", "AWS region (default: AWS_REGION / the profile's)"),
    ("--data-dir", "where jobs are kept (default: S3BATCH_TUI_HOME, else the user data dir)"),
)


class _Parser(argparse.ArgumentParser):
    """A parser that takes the global flags itself, so they work before or after any subcommand.

    Subcommand parsers are made with the parser's own class, so every (nested) subcommand
    gets them. Their default is SUPPRESS: a flag not given after the subcommand leaves the
    value given (or defaulted) before it alone.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        group = self.add_argument_group("global options (before or after the command)")
        for flag, text in GLOBAL_FLAGS:
            group.add_argument(flag, help=text, default=argparse.SUPPRESS)


def build_parser() -> argparse.ArgumentParser:
    """The whole command line."""
    parser = _Parser(
        prog="s3batch-tui",
        description="Run, watch and audit S3 Batch Operations jobs locally. Without a command, opens the TUI.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.set_defaults(**{flag[2:].replace("-", "_"): None for flag, _ in GLOBAL_FLAGS})
    _backend_flags(parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = commands.add_parser("run", help="create a job from a job file and run it to the end")
    run.add_argument("job_file", metavar="JOB.json")
    run.add_argument("--dry-run", action="store_true",
                     help="change nothing, store nothing: check a sample of objects and predict the outcome")  # fmt: skip
    run.add_argument("--sample", type=sample_size, metavar="N|all",
                     help="objects to HEAD in a dry run (default 100; all: every object)")  # fmt: skip
    _spec_flags(run)
    _run_flags(run)
    run.set_defaults(handler=command("jobs.cmd_run"), backend_action="run")

    job = commands.add_parser("job", help="create, run, inspect and steer jobs")
    job_commands = job.add_subparsers(dest="job_command", metavar="ACTION", required=True)
    create = job_commands.add_parser("create", help="store a job from a job file; prints its id")
    create.add_argument("job_file", metavar="JOB.json")
    _spec_flags(create)
    create.set_defaults(handler=command("jobs.cmd_create"), backend_action="create")
    submit = job_commands.add_parser("submit", help="create a job on an S3 Control backend (AWS, or serve); prints its id")
    submit.add_argument("job_file", metavar="JOB.json")
    submit.add_argument("--manifest-to", metavar="s3://BUCKET/PREFIX/", help="where a local (file://) manifest is uploaded")
    submit.set_defaults(handler=command("remote.cmd_submit"), backend_action="submit")
    job_run = job_commands.add_parser("run", help="run or resume a job until it ends")
    job_run.add_argument("job_id", metavar="ID")
    _run_flags(job_run)
    job_run.set_defaults(handler=command("jobs.cmd_job_run"), backend_action="run")
    listing = job_commands.add_parser("list", help="every job, newest first")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=command("looks.cmd_list"), backend_action="list")
    show = job_commands.add_parser("show", help="one job (DescribeJob-shaped with --json)")
    show.add_argument("job_id", metavar="ID")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=command("looks.cmd_show"), backend_action="describe")
    for action in ("pause", "resume", "cancel", "confirm"):
        control = job_commands.add_parser(action, help=f"{action} a job")
        control.add_argument("job_id", metavar="ID")
        control.set_defaults(handler=command("jobs.cmd_control"), action=action, backend_action=action)
    priority = job_commands.add_parser("priority", help="change a job's priority (higher runs first)")
    priority.add_argument("job_id", metavar="ID")
    priority.add_argument("priority", type=int, metavar="N")
    priority.set_defaults(handler=command("jobs.cmd_priority"), backend_action="priority")
    retry = job_commands.add_parser("retry-failed", help="create a new job over the failed tasks; prints its id")
    retry.add_argument("job_id", metavar="ID")
    retry.add_argument("--manifest-to", metavar="s3://BUCKET/PREFIX/",
                       help="--backend aws: where the failed rows' manifest is uploaded (default: beside the report)")
    retry.add_argument("--yes", action="store_true", help="--backend aws: submit without asking")
    retry.set_defaults(handler=command("jobs.cmd_retry_failed"), backend_action="retry_failed")
    handover = job_commands.add_parser("handover", help="send the rest of a running or paused local job to an S3 "
                                       "Control backend (AWS, or serve); prints the new job's id")  # fmt: skip
    handover.add_argument("job_id", metavar="ID")
    handover.add_argument("--manifest-to", required=True, metavar="s3://BUCKET/PREFIX/",
                          help="where the entries not done are uploaded as a CSV manifest")  # fmt: skip
    handover.add_argument("--role-arn", metavar="ARN", help="the role S3 Batch Operations assumes (default: the job's)")
    handover.add_argument("--yes", action="store_true", help="hand over without asking")
    handover.set_defaults(handler=command("handover.cmd_handover"))
    delete = job_commands.add_parser("delete", help="delete jobs and their staging files, or forget mirrored S3 Control jobs (reports written stay)")
    delete.add_argument("job_ids", metavar="ID", nargs="+")
    delete.set_defaults(handler=command("history.cmd_delete"))
    prune = job_commands.add_parser("prune", help="delete the jobs, local or mirrored from S3 Control, that ended before a date (reports stay)")
    prune.add_argument("--before", required=True, metavar="WHEN",
                       help="a date (2026-01-31), a local date and time (2026-01-31T12:00) or an age (30d, 12h, 2w)")
    prune.add_argument("--dry-run", action="store_true", help="list the jobs it would delete, delete nothing")
    prune.set_defaults(handler=command("history.cmd_prune"))
    serve_commands.add_commands(commands, job_commands)

    manifest = commands.add_parser("manifest", help="check manifests")
    manifest_commands = manifest.add_subparsers(dest="manifest_command", metavar="ACTION", required=True)
    validate = manifest_commands.add_parser("validate", help="read a whole manifest: task count and first errors")
    validate.add_argument("location", metavar="LOCATION", help="a path, file:// URI, s3://bucket/key or object ARN")
    validate.add_argument("--format", choices=("csv", "inventory"), help="default: inventory for *.json, else csv")
    validate.add_argument("--fields", help="CSV column order, e.g. Bucket,Key,VersionId")
    validate.add_argument("--etag", help="expected ETag of an S3 manifest (default: the object's current ETag)")
    validate.add_argument("--version-id", help="version of an S3 manifest")
    validate.add_argument("--max-errors", type=int, default=20, metavar="N")
    validate.set_defaults(handler=command("looks.cmd_manifest_validate"))

    report = commands.add_parser("report", help="read completion reports")
    report_commands = report.add_subparsers(dest="report_command", metavar="ACTION", required=True)
    report_show = report_commands.add_parser("show", help="counts by status and error code")
    report_show.add_argument("target", metavar="ID|PATH|s3://...")
    report_show.add_argument("--rows", action="store_true", help="also print the rows (see --failed, --limit)")
    report_show.add_argument("--failed", action="store_true", help="print the failed rows (only those)")
    report_show.add_argument("--limit", type=int, metavar="N", help="print at most N rows")
    report_show.set_defaults(handler=command("looks.cmd_report_show"))

    demo = commands.add_parser("demo", help="open the TUI on an embedded S3 server with sample data (no AWS needed)")
    demo.add_argument("--objects", type=int, default=2000, help="objects to seed (default 2000)")
    demo.add_argument("--headless", action="store_true", help="run one sample job without the TUI")
    demo.set_defaults(handler=command("jobs.cmd_demo"))
    return parser


def open_tui(args: argparse.Namespace) -> int:
    """No subcommand: the terminal UI on the same store and AWS settings.

    With `--backend aws` it opens on that S3 Control backend; with only `--account-id` or
    `--control-endpoint` it opens on the local store and `b` switches to the S3 Control one.
    """
    from s3batch_tui.cli.context import Context
    from s3batch_tui.core.backends.connect import ControlSettings
    from s3batch_tui.tui.app import build_app

    ctx = Context(args)
    control = None
    if args.backend == "aws" or args.control_account_id or args.control_endpoint:
        control = ControlSettings(args.control_account_id, args.control_endpoint, args.profile, args.region)
    build_app(ctx.settings, ctx.aws, control=control, start_on_control=args.backend == "aws").run()
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line (this process's own when `argv` is None); returns the exit code."""
    lifetime.own(argv)
    try:
        return _main(argv)
    finally:
        lifetime.end()


def _main(argv: list[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # Imported after parsing, so that `--version` and `--help` stay quick.
    from s3batch_tui.cli.context import EXIT_BAD_INPUT, CliError
    from s3batch_tui.core.errors import BackendUnreachable, InputError, JobNotFound, JobStateError

    if args.command is None:
        return open_tui(args)
    try:
        handler = args.handler
        if args.backend == "aws" and getattr(args, "backend_action", None):
            from s3batch_tui.cli import remote

            handler = remote.dispatch(args)
        return handler(args)
    except (InputError, CliError, JobNotFound, JobStateError, BackendUnreachable) as exc:
        print(f"s3batch-tui: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # `job show --json | head`: the reader left, which is fine
        sys.stderr.close()
        return 0
