"""Client CPU per request of the request paths alone: lean (awscrt) vs boto3, tagging and copy.

Same process, same SeaweedFS, same objects; the built operations (as the engine builds
them) run on a thread pool (`run`), and, where the lean operation can, through `start`
with as many requests in flight as workers, as the engine sends first attempts ("lean,
started"); interleaved rounds. CPU = this process's user + system time
(the server is another process), divided by the requests sent.

    python bench/bench_lean_cpu.py [--objects 3000] [--workers 16] [--rounds 3]
"""

from __future__ import annotations

import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from s3batch_tui.core.manifest.entry import ManifestEntry  # noqa: E402
from s3batch_tui.core.operations.base import OperationContext, is_async  # noqa: E402
from s3batch_tui.core.operations.registry import build_operation  # noqa: E402
from s3batch_tui.core.s3 import AwsSettings, ClientFactory  # noqa: E402
from s3batch_tui.core.spec import JobOperation, LocalOptions  # noqa: E402
from s3batch_tui.servers import start_seaweedfs  # noqa: E402
from side_by_side import bench_args  # noqa: E402

from bench_tagging import BUCKET, seed  # noqa: E402


OPERATIONS = {
    "PutObjectTagging": lambda path, round_no: {"S3PutObjectTagging": {"TagSet": [{"Key": "round",
                                                                                    "Value": str(round_no)}]}},
    "CopyObject": lambda path, round_no: {"S3PutObjectCopy": {"TargetKeyPrefix": f"copies-{path}"}},
}
"""Operation label -> its JobOperation for (request path, round)."""


def build(server, path: str, workers: int, round_no: int, label: str):
    factory = ClientFactory(AwsSettings(endpoint_url=server.endpoint_url, region=server.region), workers)
    operation = JobOperation.model_validate(OPERATIONS[label](path, round_no))
    return build_operation(operation, OperationContext(factory.client("s3"), "bench", options=LocalOptions(request_path=path)))


def run(operation, entries, workers: int, started: bool = False) -> tuple[float, float]:
    """(seconds, CPU seconds) to run every entry: `run` on a pool, or `start` with `workers` in flight."""
    cpu, start = time.process_time(), time.perf_counter()
    if started:
        outcomes = start_all(operation, entries, workers)
    else:
        with ThreadPoolExecutor(workers) as pool:
            outcomes = list(pool.map(operation.run, entries))
    failed = [o for o in outcomes if not o.succeeded]
    if failed:
        sys.exit(f"{len(failed)} failed, e.g. {failed[0]}")
    return time.perf_counter() - start, time.process_time() - cpu


def start_all(operation, entries, in_flight: int) -> list:
    """Every entry through `start` (as the engine sends first attempts), `in_flight` at a time."""
    slots, outcomes = threading.Semaphore(in_flight), []

    def done(outcome) -> None:
        outcomes.append(outcome)
        slots.release()

    for entry in entries:
        slots.acquire()
        operation.start(entry, done)
    for _ in range(in_flight):
        slots.acquire()
    return outcomes


def main() -> None:
    args, workdir = bench_args(__doc__.splitlines()[0], "s3batch-lean-")
    with start_seaweedfs(workdir / "weed") as server:
        import os

        os.environ.update(server.env())
        manifest = seed(server.client(), args.objects, workdir)
        import urllib.parse

        entries = [ManifestEntry(i, BUCKET, urllib.parse.unquote_plus(line.split(",")[1].strip()), None, line)
                   for i, line in enumerate(manifest.read_text().splitlines())]  # fmt: skip
        variants = ("started", "auto", "boto3")
        results = {(op, variant): [] for op in OPERATIONS for variant in variants}
        for round_no in range(args.rounds):
            shift = round_no % len(variants)
            for op in OPERATIONS:
                for variant in variants[shift:] + variants[:shift]:
                    operation = build(server, "boto3" if variant == "boto3" else "auto", args.workers, round_no, op)
                    if variant == "started" and not is_async(operation):
                        continue
                    results[op, variant].append(run(operation, entries, args.workers, started=variant == "started"))
            print(f"round {round_no + 1}: " + ", ".join(
                f"{op} {p} {r[-1][0]:.2f} s, {r[-1][1]:.2f} s CPU" for (op, p), r in results.items() if r), flush=True)  # fmt: skip
        n = args.objects
        for op in OPERATIONS:
            print(f"\n{n} {op} requests, {args.workers} threads, median of {args.rounds} rounds")
            for path, label in (("started", "lean, started"), ("auto", "lean, run"), ("boto3", "boto3")):
                if not results[op, path]:
                    continue
                seconds = statistics.median(r[0] for r in results[op, path])
                cpu = statistics.median(r[1] for r in results[op, path])
                print(f"  {label:14}: {n / seconds:7.0f} req/s, client CPU {cpu / n * 1000:.3f} ms/request")


if __name__ == "__main__":
    main()
