"""`serve` (the S3 Control job API) and `job tags` (a job's tags)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path



def add_commands(commands, job_commands) -> None:
    """Register `serve` and `job tags` on the parser's subcommands."""
    serve = commands.add_parser("serve", help="serve the S3 Control job API (aws s3control, boto3) over this store")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    serve.add_argument("--port", type=int, default=8787, help="port (default 8787; 0 picks a free one)")
    serve.add_argument("--workers", type=int, metavar="N", help="threads shared by all served jobs (default 16)")
    serve.add_argument("--account-id", default="000000000000", help="the account clients must name (x-amz-account-id)")
    serve.add_argument("--credentials-file", type=Path, metavar="PATH",
                       help="AWS credentials file: every section's key may sign requests "
                            "(default: S3BATCH_TUI_SERVE_CREDENTIALS)")  # fmt: skip
    serve.add_argument("--insecure-no-auth", action="store_true", help="accept unsigned requests (testing only)")
    serve.add_argument("--certfile", type=Path, help="TLS certificate (PEM); with --keyfile serves HTTPS")
    serve.add_argument("--keyfile", type=Path, help="TLS private key (PEM)")
    serve.add_argument("--max-requests-per-second", type=float, metavar="N",
                       help="throttle as S3 Control does: requests over N per second (bursts of one second's worth) "
                            "get TooManyRequestsException (default: no limit)")  # fmt: skip
    serve.set_defaults(handler=cmd_serve)

    tags = job_commands.add_parser("tags", help="show a job's tags, or replace them with --set / --delete-all")
    tags.add_argument("job_id", metavar="ID")
    change = tags.add_mutually_exclusive_group()
    change.add_argument("--set", action="append", metavar="KEY=VALUE", help="replace the tags (repeatable)")
    change.add_argument("--delete-all", action="store_true", help="remove every tag")
    tags.add_argument("--json", action="store_true", help="print the tag set as JSON")
    tags.set_defaults(handler=cmd_tags, backend_action="tags")


def cmd_serve(args: argparse.Namespace) -> int:
    """`serve`: answer S3 Control job requests and run the jobs they create."""
    # Imported here, not at the top: parsing the command line imports nothing heavy.
    from s3batch_tui.cli.context import Context
    from s3batch_tui.core.server.serve import ServeOptions, serve

    ctx = Context(args)
    options = ServeOptions(args.host, args.port, args.account_id, args.credentials_file, args.insecure_no_auth,
                           args.certfile, args.keyfile, args.max_requests_per_second)  # fmt: skip
    return serve(ctx.settings, options, ctx.clients)


def cmd_tags(args: argparse.Namespace) -> int:
    """`job tags ID [--set K=V ...] [--delete-all]`."""
    from s3batch_tui.cli.context import EXIT_OK, Context
    from s3batch_tui.core.job_tags import get_tags, parse_tag_args, put_tags

    ctx = Context(args)
    job_id = ctx.resolve(args.job_id)
    if args.set:
        put_tags(ctx.store, job_id, parse_tag_args(args.set))
    elif args.delete_all:
        put_tags(ctx.store, job_id, [])
    tags = get_tags(ctx.store, job_id)
    if args.json:
        print(json.dumps({"Tags": tags}, indent=2, ensure_ascii=False))
    else:
        for tag in tags:
            print(f"{tag['Key']}={tag['Value']}")
    return EXIT_OK
