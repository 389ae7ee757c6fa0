"""`s3batch-tui serve` under watch: DescribeJob latency while a 16-worker job runs, and
what answering 20 DescribeJob/s costs the job.

One SeaweedFS, N small objects, one served job per round (tagging every object), on
one server with 16 workers. Rounds alternate: the job watched by a client sending 20
DescribeJob/s (boto3 `s3control`, signed, over HTTP), and the job not watched (its end
read from the store). The job's time is its own: CreationTime to TerminationDate.
Prints both rates and their ratio (medians), DescribeJob latency (median, p99) and
CPU per DescribeJob in the client and in the server.

    python bench/bench_serve.py [--objects 5000] [--workers 16] [--rounds 3]
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_tagging import seed  # noqa: E402
from side_by_side import bench_args, compare  # noqa: E402

from s3batch_tui.core.store import Store  # noqa: E402
from s3batch_tui.serve_process import ACCOUNT, start_serve, write_credentials  # noqa: E402
from s3batch_tui.servers import start_seaweedfs  # noqa: E402

POLL_RATE = 20.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def request(manifest: Path, workdir: Path, round_no: int) -> dict:
    return {
        "AccountId": ACCOUNT,
        "Operation": {"S3PutObjectTagging": {"TagSet": [{"Key": "round", "Value": str(round_no)}]}},
        "Manifest": {"Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]},
                     "Location": {"ObjectArn": f"file://{manifest}", "ETag": "local"}},
        "Report": {"Enabled": True, "Bucket": f"file://{workdir / 'reports'}", "Format": "Report_CSV_20180820",
                   "ReportScope": "AllTasks"},
        "Priority": 10, "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/bench", "ConfirmationRequired": False,
    }  # fmt: skip


class Watch:
    """Rounds of one served job each; `latencies` and CPU counters gather over watched rounds."""

    def __init__(self, server, manifest: Path, workdir: Path) -> None:
        self.server, self.manifest, self.workdir = server, manifest, workdir
        self.client = server.client(max_pool_connections=2)
        self.store = Store(server.data_dir / "jobs.sqlite3")
        self.latencies: list[float] = []
        self.client_cpu = 0.0
        self.server_cpu = {True: 0.0, False: 0.0}
        self.busy = {True: 0.0, False: 0.0}

    def run(self, round_no: int, watched: bool) -> float:
        server_cpu = cpu_seconds(self.server.process.pid)
        started = time.perf_counter()
        job_id = self.client.create_job(**request(self.manifest, self.workdir, round_no))["JobId"]
        if watched:
            self._poll(job_id)
        else:
            while not self.store.get(job_id).status.is_terminal:
                time.sleep(0.25)
        self.busy[watched] += time.perf_counter() - started
        self.server_cpu[watched] += cpu_seconds(self.server.process.pid) - server_cpu
        record = self.store.get(job_id)
        if record.status.value != "Complete" or record.succeeded != record.total_tasks:
            sys.exit(f"round {round_no}: job {job_id} ended {record.status} ({record.failed} failed)")
        self.last_job = job_id
        return record.terminated_at - record.created_at

    def idle_latencies(self, count: int = 100) -> list[float]:
        """DescribeJob of a finished job with nothing running: the floor under the numbers above."""
        found = []
        for _ in range(count):
            sent = time.perf_counter()
            self.client.describe_job(AccountId=ACCOUNT, JobId=self.last_job)
            found.append(time.perf_counter() - sent)
        return sorted(found)

    def _poll(self, job_id: str) -> None:
        cpu = time.process_time()
        next_at = time.perf_counter()
        while True:
            next_at += 1 / POLL_RATE
            sent = time.perf_counter()
            status = self.client.describe_job(AccountId=ACCOUNT, JobId=job_id)["Job"]["Status"]
            self.latencies.append(time.perf_counter() - sent)
            if status in ("Complete", "Failed", "Cancelled"):
                break
            time.sleep(max(0.0, next_at - time.perf_counter()))
        self.client_cpu += time.process_time() - cpu


def spread(latencies: list[float]) -> str:
    """Median and p99 of sorted latencies, in ms."""
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return f"median {statistics.median(latencies) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms"


def main() -> None:
    args, workdir = bench_args(__doc__.splitlines()[0], "s3batch-bench-serve-")
    with start_seaweedfs(workdir / "weed") as weed:
        manifest = seed(weed.client(), args.objects, workdir)
        server = start_serve(workdir / "home", weed, write_credentials(workdir / "credentials"), workers=args.workers)
        try:
            watch = Watch(server, manifest, workdir)
            watch.run(-1, watched=False)  # warm-up: imports, first connections
            idle = watch.idle_latencies()
            compare(
                [(f"watched ({POLL_RATE:g} DescribeJob/s)", lambda n: watch.run(n, watched=True))],
                ("not watched", lambda n: watch.run(n, watched=False)),
                args.rounds, args.objects, f"{args.workers} workers, CreationTime to TerminationDate",
            )  # fmt: skip
        finally:
            server.stop()
    latencies = sorted(watch.latencies)
    extra_server = watch.server_cpu[True] / watch.busy[True] - watch.server_cpu[False] / watch.busy[False]
    print(f"\nDescribeJob while the job runs: {len(latencies)} requests, {spread(latencies)}")
    print(f"DescribeJob with no job running: {len(idle)} requests, {spread(idle)}")
    print(f"  client CPU per DescribeJob: {watch.client_cpu / len(latencies) * 1000:.2f} ms (boto3, this process)")
    print(f"  server CPU: {watch.server_cpu[True] / watch.busy[True]:.2f} cores watched, "
          f"{watch.server_cpu[False] / watch.busy[False]:.2f} not watched "
          f"(~{extra_server / POLL_RATE * 1000:.2f} ms per DescribeJob)")  # fmt: skip


if __name__ == "__main__":
    main()
