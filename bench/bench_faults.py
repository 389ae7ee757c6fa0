"""Jobs through a fault-injecting proxy: tasks failed (target 0), duration, retries.

One local SeaweedFS, N small objects, a CSV manifest; the fault proxy from the tests sits
between `s3batch-tui run` (a fresh process, as a user runs it) and the server. For each
operation (tagging, copy) it runs the job once with no faults, then once with a seeded
10 % mix of faults (503 SlowDown, 500 InternalError, resets before and after the server
applied the request) plus an outage of a few seconds a third of the way in. It checks
the report (every manifest entry exactly once) and the server (every object tagged or
copied), and prints the job's counts, the durations, and what the proxy did.

    python bench/bench_faults.py [--objects 3000] [--workers 16] [--rate 0.1] [--outage 5]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from s3batch_tui.core.report import open_report  # noqa: E402
from s3batch_tui.servers import start_seaweedfs  # noqa: E402
from tests.integration.fault_proxy import FaultProxy  # noqa: E402

BUCKET = "bench"
OPERATIONS = {
    "tagging": {"S3PutObjectTagging": {"TagSet": [{"Key": "round", "Value": "{run}"}]}},
    "copy": {"S3PutObjectCopy": {"TargetResource": "arn:aws:s3:::bench-copies", "TargetKeyPrefix": "{run}"}},
}


def seed(client, count: int, workdir: Path) -> tuple[Path, list[str]]:
    client.create_bucket(Bucket=BUCKET)
    client.create_bucket(Bucket="bench-copies")
    keys = [f"data/{i % 50:02d}/object {i:06d}.bin" for i in range(count)]
    with ThreadPoolExecutor(32) as pool:
        list(pool.map(lambda key: client.put_object(Bucket=BUCKET, Key=key, Body=b"x" * 1024), keys))
    manifest = workdir / "manifest.csv"
    manifest.write_text("".join(f"{BUCKET},{urllib.parse.quote_plus(k)}\n" for k in keys), encoding="utf-8")
    return manifest, keys


def job_file(operation: str, run: str, manifest: Path, workdir: Path) -> Path:
    job = {
        "Operation": json.loads(json.dumps(OPERATIONS[operation]).replace("{run}", run)),
        "Manifest": {"Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]},
                     "Location": {"ObjectArn": f"file://{manifest}"}},
        "Report": {"Enabled": True, "Bucket": f"arn:aws:s3:::{BUCKET}", "Prefix": f"reports/{run}",
                   "Format": "Report_CSV_20180820", "ReportScope": "AllTasks"},
        "Priority": 10,
        "Description": run,
    }  # fmt: skip
    path = workdir / f"{run}.json"
    path.write_text(json.dumps(job))
    return path


def run_job(job: Path, env: dict[str, str], workers: int, proxy: FaultProxy, outage: float, at: float) -> dict:
    """Run the job in a fresh process; start an outage `at` s in; return its summary."""
    timer = threading.Timer(at, proxy.outage, args=(outage,)) if outage else None
    started = time.perf_counter()
    if timer:
        timer.start()
    result = subprocess.run([sys.executable, "-m", "s3batch_tui", "run", "--workers", str(workers), str(job)],
                            env=env, capture_output=True, text=True)  # fmt: skip
    elapsed = time.perf_counter() - started
    if timer:
        timer.cancel()
    if not result.stdout.strip():
        sys.exit(f"{job.stem}: no job id (exit {result.returncode}):\n{result.stderr[-3000:]}")
    job_id = result.stdout.split()[0]  # `run` prints the job id first
    described = json.loads(subprocess.run([sys.executable, "-m", "s3batch_tui", "job", "show", job_id, "--json"],
                                          env=env, capture_output=True, text=True).stdout)["Job"]  # fmt: skip
    return {"exit": result.returncode, "seconds": elapsed, "job": described, "stderr": result.stderr}


def check(summary: dict, operation: str, run: str, keys: list[str], client) -> str:
    """Report exact and server state right, or what is wrong."""
    location = summary["job"].get("Local", {}).get("ReportLocation")
    if not location:
        return "no report"
    rows = [row.decoded_key for row in open_report(location, client).rows()]
    if sorted(rows) != sorted(keys):
        return f"report has {len(rows)} rows, {len(set(rows))} distinct, for {len(keys)} entries"
    if operation == "tagging":
        tagged = sum(client.get_object_tagging(Bucket=BUCKET, Key=k)["TagSet"] == [{"Key": "round", "Value": run}]
                     for k in keys)  # fmt: skip
        return "ok" if tagged == len(keys) else f"{len(keys) - tagged} objects not tagged"
    listed = sum(p.get("KeyCount", 0) for p in client.get_paginator("list_objects_v2").paginate(
        Bucket="bench-copies", Prefix=f"{run}/"))  # fmt: skip
    return "ok" if listed == len(keys) else f"{listed} of {len(keys)} copies"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--rate", type=float, default=0.1, help="share of requests that meet a fault")
    parser.add_argument("--outage", type=float, default=5.0, help="seconds the endpoint is down")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="s3batch-bench-faults-"))
    with start_seaweedfs(workdir / "weed") as server:
        client = server.client()
        manifest, keys = seed(client, args.objects, workdir)
        proxy = FaultProxy(server.endpoint_url, seed=1, max_lifetime=3600)
        env = os.environ | server.env() | {"S3BATCH_TUI_HOME": str(workdir / "home"), "AWS_ENDPOINT_URL": proxy.url}
        print(f"{args.objects} objects, {args.workers} workers, faults {args.rate:.0%} + a {args.outage:g} s outage")
        print(f"{'job':<16}{'status':<10}{'failed':>7}{'seconds':>9}{'faults':>8}{'forwarded':>11}{'outage':>8}  check")
        try:
            for operation in OPERATIONS:
                clean = None
                for faulty in (False, True):
                    run = f"{operation}-{'faults' if faulty else 'clean'}"
                    proxy.clear()
                    proxy.counts.clear()
                    if faulty:
                        proxy.mix(args.rate)
                    at = clean["seconds"] / 3 if clean else 0
                    summary = run_job(job_file(operation, run, manifest, workdir), env, args.workers, proxy,
                                      args.outage if faulty else 0, at)  # fmt: skip
                    clean = clean or summary
                    progress = summary["job"]["ProgressSummary"]
                    faults = sum(v for k, v in proxy.counts.items() if k not in ("forwarded", "outage"))
                    proxy.clear()
                    verdict = check(summary, operation, run, keys, client)
                    print(f"{run:<16}{summary['job']['Status']:<10}{progress['NumberOfTasksFailed']:>7}"
                          f"{summary['seconds']:>9.1f}{faults:>8}{proxy.counts['forwarded']:>11}"
                          f"{summary['stderr'].count('endpoint unreachable, retrying'):>8}  {verdict}")  # fmt: skip
                    if summary["job"]["Status"] != "Complete":
                        print(summary["stderr"][-2000:])
        finally:
            proxy.stop()
    print("faults: requests that met an injected fault (each one costs a retry); forwarded: requests that "
          "reached the server (tasks, retries after resets, report writes); outage: probe waits announced")


if __name__ == "__main__":
    main()
