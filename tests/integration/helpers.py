"""Small helpers for end-to-end tests that drive the CLI in subprocesses."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote_plus

from s3batch_tui.core.describe import describe_job
from s3batch_tui.core.store import Store
from s3batch_tui.servers import LocalS3Server
from s3batch_tui.settings import Settings

POLL_TIMEOUT = 30.0


def seed_objects(s3, bucket: str, keys: Iterable[str], body: bytes = b"x") -> list[str]:
    """Put one small object per key (in parallel); returns the keys."""
    keys = list(keys)
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda key: s3.put_object(Bucket=bucket, Key=key, Body=body), keys))
    return keys


def write_manifest(path: Path, bucket: str, keys: Iterable[str]) -> list[str]:
    """A `Bucket,Key` CSV manifest with quote_plus-encoded keys; returns the raw (encoded) keys."""
    raw_keys = [quote_plus(key) for key in keys]
    path.write_text("".join(f"{bucket},{raw}\n" for raw in raw_keys), encoding="utf-8")
    return raw_keys


def tagging_job(
    manifest: Path,
    report_dir: Path,
    tag: tuple[str, str],
    rate: float | None = None,
    confirmation_required: bool = False,
) -> dict:
    """A CreateJob document that tags every object of a local CSV manifest."""
    job: dict = {
        "Operation": {"S3PutObjectTagging": {"TagSet": [{"Key": tag[0], "Value": tag[1]}]}},
        "Manifest": {
            "Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]},
            "Location": {"ObjectArn": f"file://{manifest.absolute()}"},
        },
        "Report": {
            "Enabled": True,
            "Bucket": f"file://{report_dir.absolute()}",
            "Format": "Report_CSV_20180820",
            "ReportScope": "AllTasks",
        },
        "Priority": 10,
        "ConfirmationRequired": confirmation_required,
    }
    if rate is not None:
        job["LocalOptions"] = {"MaxOperationsPerSecond": rate}
    return job


def write_job(path: Path, job: dict) -> Path:
    """Write a job document as JSON; returns the path."""
    path.write_text(json.dumps(job, indent=2), encoding="utf-8")
    return path


def cli_env(server: LocalS3Server) -> dict[str, str]:
    """os.environ (holding the test's S3BATCH_TUI_HOME) plus the server's AWS settings."""
    env = dict(os.environ) | server.env()
    assert "S3BATCH_TUI_HOME" in env, "the autouse fixture should have set S3BATCH_TUI_HOME"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _default_sigint() -> None:
    # A process started from a non-interactive shell may inherit SIGINT as ignored, in
    # which case Python never raises KeyboardInterrupt; tests that send SIGINT need it.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start_cli(server: LocalS3Server, *args: str, stderr_path: Path | None = None) -> subprocess.Popen:
    """Start `python -m s3batch_tui ARGS` in the background (stdout piped, stderr to a file)."""
    stderr = stderr_path.open("wb") if stderr_path is not None else subprocess.DEVNULL
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "s3batch_tui", *args],
            env=cli_env(server),
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            preexec_fn=_default_sigint,
        )
    finally:
        if stderr_path is not None:
            stderr.close()


def run_cli(server: LocalS3Server, *args: str, timeout: float = 60.0) -> subprocess.CompletedProcess:
    """Run `python -m s3batch_tui ARGS` to the end; output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "s3batch_tui", *args],
        env=cli_env(server),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def stop(process: subprocess.Popen) -> None:
    """Kill a CLI process if it still runs, and reap it."""
    if process.poll() is None:
        process.kill()
    process.wait(timeout=10)
    if process.stdout is not None:
        process.stdout.close()


def show(server: LocalS3Server, job_id: str) -> dict:
    """`job show ID --json`, the `Job` member."""
    result = run_cli(server, "job", "show", job_id, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["Job"]


def done(job: dict) -> int:
    """Tasks that ran to an outcome, per `ProgressSummary`."""
    summary = job["ProgressSummary"]
    return summary["NumberOfTasksSucceeded"] + summary["NumberOfTasksFailed"]


def peek(store: Store, job_id: str) -> dict:
    """The `Job` member `job show --json` would print, read in this process.

    Only for polling: spawning `job show` costs ~0.3 s of CPU, which on a loaded 2-core
    machine slows the very runner being watched and the reaction to what is seen. It
    leaves out what `job show` does first (marking a dead runner's job Paused), so
    assertions about state go through `show()`.
    """
    return json.loads(json.dumps(describe_job(store.get(job_id), store)))["Job"]


def wait_for_job(
    job_id: str,
    predicate: Callable[[dict], bool],
    timeout: float = POLL_TIMEOUT,
    what: str = "the condition",
    process: subprocess.Popen | None = None,
) -> dict:
    """Poll the job (as `job show --json` shows it) until `predicate(job)` holds; returns it.

    Fails at the timeout, or early when `process` (the runner) exits first.
    """
    store = Store(Settings.load().db_path)
    try:
        deadline = time.monotonic() + timeout
        job: dict = {}
        while time.monotonic() < deadline:
            job = peek(store, job_id)
            if predicate(job):
                return job
            if process is not None and process.poll() is not None:
                job = peek(store, job_id)
                if predicate(job):
                    return job
                raise AssertionError(f"the runner exited ({process.returncode}) before {what}: {job}")
            time.sleep(0.05)
        raise AssertionError(f"timed out after {timeout:g}s waiting for {what}; last seen: {job}")
    finally:
        store.close()


def read_job_id(process: subprocess.Popen) -> str:
    """The job id `run` prints as its first stdout line (before it reads the manifest)."""
    job_id = process.stdout.readline().strip()
    assert job_id, f"`run` printed no job id (exit {process.poll()})"
    return job_id
