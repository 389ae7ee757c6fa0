"""Job commands on an S3 Control backend (`--backend aws`): AWS S3 Batch Operations or `serve`.

The local backend keeps its own commands (jobs.py, looks.py), which also show what only
the store knows (history, error counts). Here every command goes through the backend
seam, and an action the backend cannot do is refused with the capability's reason.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import boto3

from s3batch_tui.cli.context import EXIT_OFFLINE, EXIT_OK, CliError, Context
from s3batch_tui.cli.looks import print_table
from s3batch_tui.cli.progress import format_duration
from s3batch_tui.core.backends import BackendUnreachable, S3ControlBackend, Unsupported
from s3batch_tui.core.backends.mirroring import ControlMirror, as_descriptor, as_job, backend_identity
from s3batch_tui.core.backends.roles import batch_roles
from s3batch_tui.core.backends.s3control import (AWS_CAPABILITIES, caller_account, control_attempts, control_client,
                                                 control_retry_policy)  # fmt: skip
from s3batch_tui.core.backends.view import report_manifest_uri
from s3batch_tui.core.backends.connect import TOKEN_DIR
from s3batch_tui.core.backends.submit import kept_token, request_digest, upload_manifest, with_token
from s3batch_tui.core.errors import InputError, JobNotFound
from s3batch_tui.core.job_tags import parse_tag_args
from s3batch_tui.core.spec import JobSpec, load_job_spec, local_extensions

LOCAL_ONLY = {"create": "`job create` stores a local job; an S3 Control backend takes `job submit JOB.json`"}


def control_backend(args: argparse.Namespace, account_hint: str | None = None, with_s3: bool = False) -> S3ControlBackend:
    """The S3 Control backend the flags name (credentials from --profile or the usual chain).

    `with_s3`: also give it an S3 client (reports, manifest uploads) and a place to keep tokens.
    """
    client = control_client(args.profile, args.region, args.control_endpoint)
    account = args.control_account_id or account_hint
    if account is None:  # STS is AWS's; with a control endpoint, give --account-id
        session = boto3.session.Session(profile_name=args.profile, region_name=args.region)
        account = caller_account(session.client("sts", region_name=client.meta.region_name))
    ctx = Context(args)
    s3, token_dir = (ctx.clients.client("s3"), ctx.settings.data_dir / TOKEN_DIR) if with_s3 else (None, None)
    backend = S3ControlBackend(client, account, s3, token_dir)
    backend.retry_policy = control_retry_policy(control_attempts(args.profile))
    backend.mirror = ControlMirror(ctx.store, backend_identity(client, account))
    return backend


def dispatch(args: argparse.Namespace):
    """The handler for a command on an S3 Control backend (raises Unsupported for the rest)."""
    action = getattr(args, "backend_action", None)
    handlers = {"list": cmd_list, "describe": cmd_show, "cancel": cmd_status, "confirm": cmd_status,
                "priority": cmd_priority, "tags": cmd_tags, "submit": cmd_submit,
                "retry_failed": cmd_retry_failed}  # fmt: skip
    if action in handlers:
        return handlers[action]
    reason = AWS_CAPABILITIES.reason(action or "") or LOCAL_ONLY.get(action or "")
    raise Unsupported(action or args.command, reason or "works on the local store only (leave out --backend aws)")


def _json(value: Any) -> str:
    """boto3's answers as JSON: timestamps in ISO-8601, as the AWS CLI prints them."""
    return json.dumps(value, indent=2, ensure_ascii=False, default=lambda v: v.isoformat())


def _when(value: Any) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M") if isinstance(value, dt.datetime) else str(value or "")


def _offline_note(error: BackendUnreachable, last_seen: float) -> str:
    """What an answer from the local history says about itself (on stderr)."""
    return f"offline ({error}); from the local history, as last seen at {_when(_moment(last_seen))}"


def _moment(epoch: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, dt.timezone.utc)


def cmd_list(args: argparse.Namespace) -> int:
    """`job list [--json]`: ListJobs, every status, every page; offline, the mirrored jobs (exit 3)."""
    backend = control_backend(args)
    seen: dict[str, float] = {}
    try:
        jobs = backend.list_jobs()
    except BackendUnreachable as exc:
        mirrored = backend.mirror.list()
        if not mirrored:
            raise BackendUnreachable(f"{exc}; no job of this backend is in the local history yet") from None
        jobs = [as_descriptor(job) for job in mirrored]
        seen = {job.job_id: job.last_seen for job in mirrored}
        print(_offline_note(exc, max(seen.values())), file=sys.stderr)
    if args.json:
        if seen:  # LastSeen and Offline are ours: a live answer is ListJobs' alone
            jobs = [job | {"LastSeen": _moment(seen[job["JobId"]])} for job in jobs]
        print(_json({"Jobs": jobs} | ({"Offline": True} if seen else {})))
        return EXIT_OFFLINE if seen else EXIT_OK
    if not jobs:
        print("No jobs on this S3 Control backend.")
        return EXIT_OK
    header = ("ID", "STATUS", "OPERATION", "DONE/TOTAL", "FAILED", "PRIO", "CREATED", "DESCRIPTION")
    rows = [header + (("LAST SEEN",) if seen else ())]
    for job in jobs:
        summary = job.get("ProgressSummary", {})
        done = summary.get("NumberOfTasksSucceeded", 0) + summary.get("NumberOfTasksFailed", 0)
        rows.append((job["JobId"], job.get("Status", ""), job.get("Operation", ""),
                     f"{done}/{summary.get('TotalNumberOfTasks', '?')}", str(summary.get("NumberOfTasksFailed", 0)),
                     str(job.get("Priority", "")), _when(job.get("CreationTime")), job.get("Description", ""))
                    + ((_when(_moment(seen[job["JobId"]])),) if seen else ()))  # fmt: skip
    print_table(rows)
    return EXIT_OFFLINE if seen else EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    """`job show ID [--json]`: DescribeJob; else the mirrored job (offline: exit 3; forgotten by S3: exit 0)."""
    backend = control_backend(args)
    offline = seen = None
    try:
        job = backend.describe(args.job_id)
        report = report_manifest_uri(job["JobId"], job.get("Report"))
    except (BackendUnreachable, JobNotFound) as exc:
        try:
            mirrored = backend.mirror.get(args.job_id)
        except JobNotFound:
            raise type(exc)(f"{exc}; job {args.job_id} is not in the local history either") from None
        job, report, seen = as_job(mirrored), mirrored.report_location, mirrored.last_seen
        if isinstance(exc, BackendUnreachable):
            offline = True
            print(_offline_note(exc, seen), file=sys.stderr)
        else:  # S3 deletes a job's record 90 days after it ends; the history keeps it
            print(f"S3 Control no longer has job {args.job_id}; from the local history, as last seen at "
                  f"{_when(_moment(seen))}", file=sys.stderr)  # fmt: skip
    code = EXIT_OFFLINE if offline else EXIT_OK
    if args.json:
        print(_json({"Job": job} | ({"Offline": bool(offline), "LastSeen": _moment(seen)} if seen else {})))
        return code
    summary = job.get("ProgressSummary", {})
    reason = job.get("StatusUpdateReason")
    where = "offline: " if offline else "from the local history: "
    note = f" ({where}as last seen at {_when(_moment(seen))})" if seen else ""
    lines = [
        f"Job {job['JobId']} on {backend.label}{note}",
        f"  Description: {job.get('Description', '')}",
        f"  Operation:   {', '.join(job.get('Operation', {})) or '?'}",
        f"  Status:      {job.get('Status')}" + (f" ({reason})" if reason else ""),
        f"  Priority:    {job.get('Priority')}",
        f"  Tasks:       {summary.get('TotalNumberOfTasks', '?')} total, {summary.get('NumberOfTasksSucceeded', 0)} "
        f"succeeded, {summary.get('NumberOfTasksFailed', 0)} failed",
        f"  Active for:  {format_duration(summary.get('Timers', {}).get('ElapsedTimeInActiveSeconds', 0))}",
        f"  Created:     {_when(job.get('CreationTime'))}",
    ]  # fmt: skip
    if job.get("TerminationDate"):
        lines.append(f"  Ended:       {_when(job['TerminationDate'])}")
    lines += [f"  Failure:     {r.get('FailureCode')}: {r.get('FailureReason')}" for r in job.get("FailureReasons", [])]
    if report:
        lines.append(f"  Report:      {report}")
    print("\n".join(lines))
    return code


def cmd_status(args: argparse.Namespace) -> int:
    """`job cancel|confirm ID`: UpdateJobStatus."""
    backend = control_backend(args)
    getattr(backend, args.action)(args.job_id)
    print(f"{args.job_id} is now {backend.describe(args.job_id).get('Status')}")
    return EXIT_OK


def cmd_priority(args: argparse.Namespace) -> int:
    """`job priority ID N`: UpdateJobPriority."""
    print(f"{args.job_id} priority is now {control_backend(args).set_priority(args.job_id, args.priority)}")
    return EXIT_OK


def cmd_tags(args: argparse.Namespace) -> int:
    """`job tags ID [--set K=V ...] [--delete-all]`: Get/PutJobTagging."""
    backend = control_backend(args)
    if args.set or args.delete_all:
        backend.put_tags(args.job_id, parse_tag_args(args.set) if args.set else [])
    tags = backend.get_tags(args.job_id)
    if args.json:
        print(_json({"Tags": tags}))
    else:
        for tag in tags:
            print(f"{tag['Key']}={tag['Value']}")
    return EXIT_OK


def _check_submittable(args: argparse.Namespace, spec: JobSpec) -> None:
    """Refuse, before anything is uploaded or sent, what S3 Batch Operations cannot take."""
    found = [f for f in local_extensions(spec) if f != "Manifest.Location.ObjectArn"]  # that one is uploaded
    if found:
        raise InputError(f"only runs locally, S3 Batch Operations would refuse it: {', '.join(found)}", args.job_file)
    if spec.role_arn:
        return
    roles = []
    if args.control_endpoint is None:  # IAM is AWS's; a control endpoint such as `serve` has none
        session = boto3.session.Session(profile_name=args.profile, region_name=args.region)
        roles = batch_roles(session.client("iam", region_name=session.region_name or "us-east-1"))
    hint = ("; roles that trust batchoperations.s3.amazonaws.com: " + ", ".join(roles)) if roles else ""
    what = f"required: the IAM role S3 Batch Operations assumes to run the job{hint}"
    raise InputError(what, f"{args.job_file}: RoleArn")


def cmd_submit(args: argparse.Namespace) -> int:
    """`job submit JOB.json [--manifest-to s3://bucket/prefix/]`: CreateJob; prints the job id."""
    if args.backend == "local":
        why = "sends a job to an S3 Control backend; local jobs are made with `job create` or `run`"
        raise Unsupported("submit", why)
    path = Path(args.job_file)
    spec = load_job_spec(path)
    _check_submittable(args, spec)
    backend = control_backend(args, spec.account_id, with_s3=True)
    digest = request_digest(path, args.manifest_to, backend.client.meta.endpoint_url, backend.account_id)
    spec = upload_manifest(spec, backend.s3_client, args.manifest_to)
    token = spec.client_request_token or kept_token(path, digest)  # kept before the request is sent
    try:
        job_id = backend.create(with_token(spec, token))
    except BackendUnreachable as exc:
        raise CliError(f"{exc}\nThe job may have been created: run the same command again; its ClientRequestToken "
                       f"{token} makes S3 Control answer with that job, not a second one") from None  # fmt: skip
    print(job_id)
    print(f"Submitted to {backend.label} (ClientRequestToken {token})", file=sys.stderr)
    return EXIT_OK


def confirmed(question: str) -> bool:
    """Ask on the terminal; without one (a script, a pipe) the answer is no: give --yes."""
    if not sys.stdin.isatty():
        return False
    return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")


def cmd_retry_failed(args: argparse.Namespace) -> int:
    """`job retry-failed ID [--manifest-to s3://…] [--yes]`: the plan, then (confirmed) the new job's id."""
    backend = control_backend(args, with_s3=True)
    plan = backend.retry_failed_plan(args.job_id, args.manifest_to)
    print("\n".join(plan.lines()), file=sys.stderr)  # stdout carries only the new job's id
    if not args.yes and not confirmed("Upload the manifest and create the job?"):
        raise CliError("nothing uploaded or created; confirm at the prompt or give --yes")
    try:
        job_id = backend.retry_failed(args.job_id, plan=plan)
    except BackendUnreachable as exc:
        raise CliError(f"{exc}\nThe job may have been created: run the same command again; its kept "
                       "ClientRequestToken makes S3 Control answer with that job, not a second one") from None
    print(job_id)
    print(f"Submitted to {backend.label}", file=sys.stderr)
    return EXIT_OK
