"""Side by side: the same tagging job through `s3batch-tui run` and a bare boto3 pool.

One local SeaweedFS, N small objects, one CSV manifest. Each round runs both peers as
fresh processes with the same worker count (alternating who goes first) and times them
from process start to exit. Prints both rates and their ratio (median of the rounds),
and each peer's client CPU per request (the child process's user + system time / N).
s3batch-tui takes the lean awscrt path for tagging (RequestPath "auto", the default).

    python bench/bench_tagging.py [--objects 5000] [--workers 16] [--rounds 3] [--also-workers 64,256]
"""

from __future__ import annotations

import json
import sys
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from s3batch_tui.servers import start_seaweedfs  # noqa: E402
from side_by_side import bench_args, child_env, compare, our_variants, print_cpu, timed, watch_server  # noqa: E402

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


def seed(client, count: int, workdir: Path, separator: str = " ") -> Path:
    """`count` 1 KiB objects under data/ in 50 folders, and their CSV manifest."""
    client.create_bucket(Bucket=BUCKET)
    keys = [f"data/{i % 50:02d}/object{separator}{i:06d}.bin" for i in range(count)]
    with ThreadPoolExecutor(32) as pool:
        list(pool.map(lambda key: client.put_object(Bucket=BUCKET, Key=key, Body=b"x" * 1024), keys))
    manifest = workdir / "manifest.csv"
    manifest.write_text("".join(f"{BUCKET},{urllib.parse.quote_plus(k)}\n" for k in keys), encoding="utf-8")
    return manifest


def job_file(manifest: Path, workdir: Path, round_no: int, operation: dict | None = None) -> Path:
    """A job over `manifest` (tagging with the round's tag unless `operation` is given), AllTasks report."""
    job = {
        "Operation": operation or {"S3PutObjectTagging": {"TagSet": [{"Key": "round", "Value": str(round_no)}]}},
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


def main() -> None:
    args, workdir = bench_args(__doc__.splitlines()[0], "s3batch-bench-")
    with start_seaweedfs(workdir / "weed") as server:
        watch_server(server.process.pid)
        manifest = seed(server.client(), args.objects, workdir)
        env = child_env(server.env() | {"S3BATCH_TUI_HOME": str(workdir / "home")})
        def ours(workers: int, round_no: int, label: str) -> float:
            command = [sys.executable, "-m", "s3batch_tui", "run", "--workers", str(workers)]
            return timed([*command, str(job_file(manifest, workdir, round_no))], env, label)

        compare(
            our_variants(args.workers, args.also_workers, ours),
            ("bare boto3 pool", lambda n: timed([sys.executable, "-c", BARE_POOL, str(manifest),
                                                 str(args.workers), str(n)], env, "peer")),
            args.rounds, args.objects, f"{args.workers} workers, process start to exit", target=4.0,
        )  # fmt: skip
        print_cpu(args.objects)

if __name__ == "__main__":
    main()
