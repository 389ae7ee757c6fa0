"""Client CPU per request of the request paths alone, lean (awscrt) vs boto3, for one operation.

Same process, same SeaweedFS, same objects; the built operations (as the engine builds
them) run on a thread pool (`run`), and, where the lean operation can, through `start`
with as many requests in flight as workers, as the engine sends first attempts ("lean,
started"); interleaved rounds. CPU = this process's user + system time
(the server is another process), divided by the requests sent.

    python bench/bench_lean_cpu.py [--operation tagging|copy|acl|legal-hold|retention]
                                   [--objects 3000] [--workers 16] [--rounds 3]
"""

from __future__ import annotations

import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
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

BUCKET = "bench-lean"
_LATER = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
OPERATIONS = {
    # Each round changes something, so every request has work to do on the server.
    "tagging": lambda n: {"S3PutObjectTagging": {"TagSet": [{"Key": "round", "Value": str(n)}]}},
    "acl": lambda n: {"S3PutObjectAcl": {"AccessControlPolicy": {
        "CannedAccessControlList": ("public-read", "private")[n % 2]}}},  # fmt: skip
    "legal-hold": lambda n: {"S3PutObjectLegalHold": {"LegalHold": {"Status": ("ON", "OFF")[n % 2]}}},
    "retention": lambda n: {"S3PutObjectRetention": {"BypassGovernanceRetention": True, "Retention": {
        "Mode": "GOVERNANCE", "RetainUntilDate": (_LATER + timedelta(seconds=n)).isoformat()}}},  # fmt: skip
    "copy": lambda n: {"S3PutObjectCopy": {"TargetKeyPrefix": f"copies-{n}"}},
}
"""--operation -> the job's operation document for round n."""


def seed(client, count: int, object_lock: bool) -> list[ManifestEntry]:
    """The bucket (with Object Lock when the operation needs it) and `count` 1 KiB objects."""
    client.create_bucket(Bucket=BUCKET, **({"ObjectLockEnabledForBucket": True} if object_lock else {}))
    keys = [f"data/{i % 50:02d}/object {i:06d}.bin" for i in range(count)]
    with ThreadPoolExecutor(32) as pool:
        list(pool.map(lambda key: client.put_object(Bucket=BUCKET, Key=key, Body=b"x" * 1024), keys))
    return [ManifestEntry(i, BUCKET, key, None, key) for i, key in enumerate(keys)]


def build(server, operation: str, path: str, workers: int, round_no: int):
    factory = ClientFactory(AwsSettings(endpoint_url=server.endpoint_url, region=server.region), workers)
    document = JobOperation.model_validate(OPERATIONS[operation](round_no))
    return build_operation(document, OperationContext(factory.client("s3"), "bench", options=LocalOptions(request_path=path)))


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
    args, workdir = bench_args(__doc__.splitlines()[0], "s3batch-lean-", lambda parser: parser.add_argument(
        "--operation", choices=sorted(OPERATIONS), default="tagging"))  # fmt: skip
    with start_seaweedfs(workdir / "weed") as server:
        import os

        os.environ.update(server.env())
        entries = seed(server.client(), args.objects, object_lock=args.operation in ("legal-hold", "retention"))
        variants = ("started", "auto", "boto3")
        results: dict[str, list[tuple[float, float]]] = {variant: [] for variant in variants}
        for round_no in range(args.rounds):
            shift = round_no % len(variants)
            for variant in variants[shift:] + variants[:shift]:
                # Each variant gets its own round number: the server has something to change every time.
                step = len(variants) * round_no + variants.index(variant)
                path = "boto3" if variant == "boto3" else "auto"
                operation = build(server, args.operation, path, args.workers, step)
                if variant == "started" and not is_async(operation):
                    continue
                results[variant].append(run(operation, entries, args.workers, started=variant == "started"))
            print(f"round {round_no + 1}: " + ", ".join(
                f"{p} {r[-1][0]:.2f} s, {r[-1][1]:.2f} s CPU" for p, r in results.items() if r), flush=True)  # fmt: skip
        n = args.objects
        print(f"\n{n} {args.operation} requests, {args.workers} threads, median of {args.rounds} rounds")
        for variant, label in (("started", "lean, started"), ("auto", "lean, run"), ("boto3", "boto3")):
            if not results[variant]:
                continue
            seconds = statistics.median(r[0] for r in results[variant])
            cpu = statistics.median(r[1] for r in results[variant])
            print(f"  {label:14}: {n / seconds:7.0f} req/s, client CPU {cpu / n * 1000:.3f} ms/request")


if __name__ == "__main__":
    main()
