"""Side by side: the same tagging job run headless and run from the TUI while it is on screen.

One local SeaweedFS, N small objects. Each round runs the job once through
`s3batch-tui run` and once from the TUI (started with `run=True` from the app, which
renders the live table while the job's runner process works), alternating who goes
first. Both are timed the same way, from the store's status history: Preparing to the
terminal status. Prints both rates and their ratio (median of the rounds).

    python bench/bench_tui.py [--objects 5000] [--workers 16] [--rounds 3]
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_tagging import job_file, seed  # noqa: E402
from side_by_side import bench_args, compare  # noqa: E402

from s3batch_tui.core.spec import load_job_spec  # noqa: E402
from s3batch_tui.core.status import JobStatus  # noqa: E402
from s3batch_tui.core.store import Store  # noqa: E402
from s3batch_tui.servers import start_seaweedfs  # noqa: E402
from s3batch_tui.settings import Settings  # noqa: E402


def job_seconds(store: Store, job_id: str) -> float:
    """Preparing → terminal, from the status history."""
    history = store.history(job_id)
    start = next(at for status, at, _ in history if status == JobStatus.PREPARING)
    end = next(at for status, at, _ in history if status.is_terminal)
    return end - start


def headless(job: Path, home: Path, workers: int, env: dict[str, str]) -> float:
    result = subprocess.run(
        [sys.executable, "-m", "s3batch_tui", "--data-dir", str(home), "run", str(job), "--workers", str(workers)],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    if result.returncode != 0:
        sys.exit(f"headless run failed:\n{result.stderr}")
    return job_seconds(Store(Settings.load(home).db_path), result.stdout.splitlines()[0])


async def with_tui(job: Path, home: Path, workers: int) -> float:
    from s3batch_tui.tui.app import build_app

    app = build_app(Settings.load(home, workers), check_credentials=False)
    async with app.run_test(size=(120, 36)) as pilot:
        job_id = app.actions.create(load_job_spec(job), run=True)
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            await pilot.pause(0.1)
            record = app.jobs.get(job_id)
            if record is not None and record.status.is_terminal:
                break
        if record is None or record.status != JobStatus.COMPLETE:
            sys.exit(f"TUI run ended {record.status if record else 'nowhere'}")
    return job_seconds(app.store, job_id)


def main() -> None:
    args, workdir = bench_args(__doc__.splitlines()[0], "s3batch-bench-tui-")
    with start_seaweedfs(workdir / "weed") as server:
        manifest = seed(server.client(), args.objects, workdir)
        os.environ.update(server.env())  # the TUI's runner processes inherit these
        env = dict(os.environ)
        compare(
            [("TUI showing", lambda n: asyncio.run(with_tui(job_file(manifest, workdir, n), workdir / f"tui-{n}",
                                                            args.workers)))],
            ("headless run", lambda n: headless(job_file(manifest, workdir, n), workdir / f"plain-{n}",
                                                args.workers, env)),
            args.rounds, args.objects, f"{args.workers} workers, Preparing to end",
        )  # fmt: skip

if __name__ == "__main__":
    main()
