"""The demo: an embedded S3 server seeded with sample data, and the TUI opened on it.

No AWS account is needed: moto's S3 server runs on a free loopback port for as long as
the demo does (it keeps everything in memory, so the demo starts afresh each time, in a
store of its own under `<data dir>/demo`).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import signal
import sys
import uuid

from s3batch_tui.cli.context import EXIT_BAD_INPUT, EXIT_JOB_UNSUCCESSFUL, EXIT_OK, Context
from s3batch_tui.cli.jobs import run_to_end
from s3batch_tui.core.engine.engine import Engine
from s3batch_tui.core.spec import load_job_spec
from s3batch_tui.demo_seed import DemoData, seed
from s3batch_tui.servers import start_moto
from s3batch_tui.settings import Settings

FINISHED_JOBS = ("tag-some-missing", "check-with-lambda")  # run before the TUI opens, so there is history


def run_demo(settings: Settings, count: int, headless: bool = False) -> int:
    """Start the embedded server, seed it, then open the TUI (or run one job headless)."""
    if importlib.util.find_spec("moto") is None:  # the server runs as `python -m moto.server`
        print("The demo needs moto's server: pip install 's3batch-tui[demo]' "
              "(or pipx install 's3batch-tui[demo]')", file=sys.stderr)  # fmt: skip
        return EXIT_BAD_INPUT
    workdir = settings.data_dir / "demo"
    shutil.rmtree(workdir, ignore_errors=True)  # the server forgets everything; so does the demo
    print(f"Starting an embedded S3 server and seeding {count:,} objects...", file=sys.stderr, flush=True)
    server = start_moto()
    # Closing the terminal (SIGHUP) or a kill (SIGTERM) must still stop the server below.
    for signum in (signal.SIGHUP, signal.SIGTERM):
        signal.signal(signum, _exit_cleanly)
    try:
        data = seed(server.client(), workdir, count)
        os.environ.update(server.env())  # runner processes inherit the server and its test credentials
        args = argparse.Namespace(endpoint_url=server.endpoint_url, profile=None, region=server.region,
                                  data_dir=str(workdir / "store"), workers=8, yes_delete=False)  # fmt: skip
        ctx = Context(args)
        if headless:
            return _run_headless(ctx, data)
        _finish_sample_jobs(ctx, data)
        for name in ("tag-photos", "restore-archive"):
            ctx.store.create_job(str(uuid.uuid4()), load_job_spec(data.job_files[name]))
        from s3batch_tui.tui.app import build_app

        app = build_app(ctx.settings, ctx.aws, ephemeral=True)
        app.files_root = workdir  # the wizard starts among the demo's manifests and job files
        app.notify(f"Demo: S3 at {server.endpoint_url}; job files to try are in {workdir / 'jobs'}. "
                   "Select a job and press r to run it, enter to inspect, ? for keys.", timeout=15)  # fmt: skip
        app.run()
        app.launcher.stop_all()  # the server goes away with the demo: pause what still runs
        return EXIT_OK
    finally:
        server.stop()


def _exit_cleanly(signum, frame) -> None:
    raise SystemExit(128 + signum)


def _finish_sample_jobs(ctx: Context, data: DemoData) -> None:
    engine = Engine(ctx.settings, ctx.store, ctx.clients)
    try:
        for name in FINISHED_JOBS:
            record = ctx.store.create_job(str(uuid.uuid4()), load_job_spec(data.job_files[name]))
            engine.start(record.id)
            engine.wait(record.id)
    finally:
        engine.shutdown()


def _run_headless(ctx: Context, data: DemoData) -> int:
    record = ctx.store.create_job(str(uuid.uuid4()), load_job_spec(data.job_files["tag-some-missing"]))
    print(record.id, flush=True)
    code = run_to_end(ctx, record.id, confirm=True)
    print(f"\nJob files to try are in {data.workdir / 'jobs'}")
    return EXIT_OK if code in (EXIT_OK, EXIT_JOB_UNSUCCESSFUL) else code
