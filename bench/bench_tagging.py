"""Side by side: the same tagging job through `s3batch-tui run` and a bare boto3 pool.

One local SeaweedFS, N small objects, one CSV manifest. Each round runs both peers as
fresh processes with the same worker count (alternating who goes first) and times them
from process start to exit. Prints both rates and their ratio (median of the rounds),
and each peer's client CPU per request (the child process's user + system time / N).
s3batch-tui takes the lean awscrt path for tagging (RequestPath "auto", the default).

    python bench/bench_tagging.py [--objects 5000] [--workers 16] [--rounds 3]
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from s3batch_tui.servers import start_seaweedfs  # noqa: E402
from side_by_side import bench_args, compare  # noqa: E402

BUCKET = "bench"

# The peer: what a careful engineer would write by hand, with the same pool size.
BARE_POOL = r"""
import sys, urllib.parse
from concurrent.futures import ThreadPoolExecutor
import boto3
from botocore.config import Config
manifest, workers, round_no = sys.argv[1], int(sys.argv[2]), sys.argv[3]
client = boto3.client("s3", config=Config(max_pool_connections=workers, s3={"addressing_style": "path"}))
def tag(line):
    bucket, key = line.rstrip("\n").split(",")
    client.put_object_tagging(Bucket=bucket, Key=urllib.parse.unquote_plus(key),
                              Tagging={"TagSet": [{"Key": "round", "Value": round_no}]})
with open(manifest, encoding="utf-8") as lines, ThreadPoolExecutor(workers) as pool:
    for _ in pool.map(tag, lines):
        pass
"""


def seed(client, count: int, workdir: Path) -> Path:
    client.create_bucket(Bucket=BUCKET)
    keys = [f"data/{i % 50:02d}/object {i:06d}.bin" for i in range(count)]
    with ThreadPoolExecutor(32) as pool:
        list(pool.map(lambda key: client.put_object(Bucket=BUCKET, Key=key, Body=b"x" * 1024), keys))
    manifest = workdir / "manifest.csv"
    manifest.write_text("".join(f"{BUCKET},{urllib.parse.quote_plus(k)}\n" for k in keys), encoding="utf-8")
    return manifest


def job_file(manifest: Path, workdir: Path, round_no: int) -> Path:
    job = {
        "Operation": {"S3PutObjectTagging": {"TagSet": [{"Key": "round", "Value": str(round_no)}]}},
        "Manifest": {
            "Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]},
            "Location": {"ObjectArn": f"file://{manifest}"},
        },
        "Report": {"Enabled": True, "Bucket": f"file://{workdir / 'reports'}", "Format": "Report_CSV_20180820",
                   "ReportScope": "AllTasks"},  # fmt: skip
        "Priority": 10,
    }
    path = workdir / f"job-{round_no}.json"
    path.write_text(json.dumps(job))
    return path


CPU: dict[str, list[float]] = {}
"""Client CPU seconds (user + system) of each peer's process, per round."""


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str], env: dict[str, str], label: str) -> float:
    cpu = _children_cpu()
    start = time.perf_counter()
    result = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    CPU.setdefault(label, []).append(_children_cpu() - cpu)
    if result.returncode != 0:
        sys.exit(f"{command[:4]} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return elapsed


def main() -> None:
    args, workdir = bench_args(__doc__.splitlines()[0], "s3batch-bench-")
    with start_seaweedfs(workdir / "weed") as server:
        manifest = seed(server.client(), args.objects, workdir)
        env = os.environ | server.env() | {"S3BATCH_TUI_HOME": str(workdir / "home")}
        our_command = [sys.executable, "-m", "s3batch_tui", "run", "--workers", str(args.workers)]
        compare(
            ("s3batch-tui run", lambda n: timed([*our_command, str(job_file(manifest, workdir, n))], env, "ours")),
            ("bare boto3 pool", lambda n: timed([sys.executable, "-c", BARE_POOL, str(manifest),
                                                 str(args.workers), str(n)], env, "peer")),
            args.rounds, args.objects, f"{args.workers} workers, process start to exit", target=4.0,
        )  # fmt: skip
        for label, seconds in CPU.items():
            per_request = statistics.median(seconds) / args.objects * 1000
            print(f"  client CPU per request, {label}: {per_request:.3f} ms (median; includes start-up)")

if __name__ == "__main__":
    main()
