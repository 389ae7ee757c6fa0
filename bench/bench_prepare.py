"""Side by side: reading a big manifest, ours against a plain csv.reader loop (and zlib).

Generates once, cached in the temp dir, a CSV manifest of URL-encoded keys (a mix of
plain keys, keys with %XX escapes of ASCII and of UTF-8, and `+` for spaces) and an
S3 Inventory of gzip CSV data files. Each round runs every variant as a fresh process
(rotating who goes first) and measures it from process start to exit, with the CPU
time and peak RSS the kernel reports for it. Prints medians, rows/s and ratios.

CSV variants: a `csv.reader` + `unquote_plus` loop (the peer), `manifest validate`,
and Preparing a job (`run` of a job with ConfirmationRequired, timed until it waits
for confirmation, i.e. until Preparing is over). Inventory variants: decompression
alone, the floor (decompressing and counting lines, with `gzip.open`, with zlib in
1 MiB blocks and with ISA-L in 1 MiB blocks, the inflate Preparing uses), the
csv.reader peer over gzip, `manifest validate` of its manifest.json and Preparing a
job on it; their ratios are to `gzip.open` alone.

    python bench/bench_prepare.py [--rows 3000000] [--inventory-rows 1000000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, quote_plus

sys.path.insert(0, str(Path(__file__).resolve().parent))
from side_by_side import child_env  # noqa: E402

CACHE = Path(tempfile.gettempdir()) / "s3batch-bench-prepare"
BUCKETS = ["prod-data", "logs-archive", "media.example.com"]
WORDS = ["photos", "logs", "data", "reports", "2024", "2025", "café", "résumé", "Q1 summary", "a+b", "50%",
         "emoji 🎉", "über", "東京", "final (copy)", "raw", "img"]  # fmt: skip
INVENTORY_SCHEMA = "Bucket, Key, VersionId, IsLatest, IsDeleteMarker, Size"
ROWS_PER_DATA_FILE = 500_000

CSV_PEER = r"""
import csv, sys
from urllib.parse import unquote_plus
rows = 0
with open(sys.argv[1], encoding="utf-8", newline="") as file:
    for row in csv.reader(file):
        unquote_plus(row[1])
        rows += 1
print(rows)
"""
INVENTORY_PEER = r"""
import csv, gzip, io, sys
from urllib.parse import unquote_plus
rows = 0
for path in sys.argv[1:]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as file:
        for row in csv.reader(file):
            unquote_plus(row[1])
            rows += 1
print(rows)
"""
GZIP_ALONE = r"""
import gzip, sys
lines = 0
for path in sys.argv[1:]:
    with gzip.open(path, "rb") as file:
        while chunk := file.read(1 << 20):
            lines += chunk.count(b"\n")
print(lines)
"""
# Starts SeaweedFS with the given buckets, prints the environment that points at it, and
# keeps it until its stdin closes. A child of its own: see `measure` on peak RSS.
SERVER_HOLDER = r"""
import json, sys
from pathlib import Path
from s3batch_tui.servers import start_seaweedfs
with start_seaweedfs(Path(sys.argv[1])) as server:
    client = server.client()
    for bucket in sys.argv[2:]:
        client.create_bucket(Bucket=bucket)
    print(json.dumps(server.env()), flush=True)
    sys.stdin.read()
"""
# Raw inflate in 1 MiB blocks (one gzip member per file, as AWS writes them); argv[1] names the module.
INFLATE_ALONE = r"""
import importlib, sys
inflate = importlib.import_module(sys.argv[1])
lines = 0
for path in sys.argv[2:]:
    decompressor = inflate.decompressobj(31)
    with open(path, "rb") as file:
        while chunk := file.read(1 << 20):
            while chunk:
                lines += decompressor.decompress(chunk, 1 << 20).count(b"\n")
                chunk = decompressor.unconsumed_tail
print(lines)
"""


def encoded_key(rng: random.Random, index: int) -> str:
    """A key as manifests write it: half plain, the rest quote_plus'd with or without '/'."""
    words = [rng.choice(WORDS) for _ in range(rng.randint(1, 3))]
    key = "/".join([*words, f"object-{index:08d}.{rng.choice(['jpg', 'csv', 'parquet', 'json'])}"])
    style = index % 10
    if style < 5:
        return quote(key.encode("ascii", "ignore").decode().replace(" ", "-"), safe="/")
    return quote_plus(key, safe="/" if style < 8 else "")


def cached(path: Path, write) -> Path:
    """`path`, written by `write(tmp)` the first time only."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        print(f"generating {path} (once)...", flush=True)
        write(partial)
        partial.rename(path)
    return path


def csv_manifest(rows: int) -> Path:
    def write(path: Path) -> None:
        rng = random.Random(7)
        with path.open("w", encoding="utf-8", newline="") as file:
            for start in range(0, rows, 10_000):
                file.write("".join(f"{BUCKETS[i % 3]},{encoded_key(rng, i)}\n"
                                   for i in range(start, min(rows, start + 10_000))))  # fmt: skip

    return cached(CACHE / f"manifest-{rows}.csv", write)


def inventory(rows: int) -> tuple[Path, list[Path]]:
    """An inventory manifest.json and its gzip data files (every value quoted, ~2% delete markers)."""
    directory = CACHE / f"inventory-{rows}"
    count = -(-rows // ROWS_PER_DATA_FILE)
    paths = [directory / "data" / f"part-{n:03d}.csv.gz" for n in range(count)]
    for n, path in enumerate(paths):
        def write(tmp: Path, n: int = n) -> None:
            rng = random.Random(n)
            first, last = n * ROWS_PER_DATA_FILE, min(rows, (n + 1) * ROWS_PER_DATA_FILE)
            with gzip.open(tmp, "wt", encoding="utf-8", newline="", compresslevel=6) as file:
                for i in range(first, last):
                    marker = "true" if i % 50 == 0 else "false"
                    values = [BUCKETS[0], encoded_key(rng, i), f"v{i:x}", "true", marker, str(rng.randint(0, 10**7))]
                    file.write(",".join(f'"{v}"' for v in values) + "\n")

        cached(path, write)
    files = [{"key": f"data/{p.name}", "size": p.stat().st_size, "MD5checksum": md5_of(p)} for p in paths]
    manifest = directory / "manifest.json"
    manifest.write_text(json.dumps({"sourceBucket": BUCKETS[0], "destinationBucket": "arn:aws:s3:::inventory",
                                    "fileFormat": "CSV", "fileSchema": INVENTORY_SCHEMA, "files": files}))  # fmt: skip
    return manifest, paths


def md5_of(path: Path) -> str:
    """The file's MD5, read in blocks: this process stays small (see `measure`)."""
    with path.open("rb") as file:
        return hashlib.file_digest(file, "md5").hexdigest()


@dataclass
class Sample:
    """One fresh process: wall seconds from start to exit (or to `until`), CPU seconds, peak RSS (MiB)."""

    wall: float
    cpu: float
    rss_mib: float


def measure(command: list[str], env: dict[str, str], until: str | None = None) -> Sample:
    """Run `command`; with `until`, stop it (SIGTERM) once that text shows on its stderr.

    The kernel counts this process's resident memory at the fork into the child's peak
    RSS, so this process is kept small (about 20 MiB, less than any Python child's own).
    """
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seen_at = None
    if until is not None:
        for line in process.stderr:
            if until in line:
                seen_at = time.perf_counter() - start
                process.terminate()
                break
    output = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    # A process that never printed `until` failed, whatever its exit code: timing it
    # would measure an error path (it did once: preflight refusing an unreachable endpoint).
    if until is None and process.returncode != 0 or until is not None and seen_at is None:
        sys.exit(f"{command[:5]} failed ({process.returncode}):\n{output}")
    wall = seen_at if seen_at is not None else time.perf_counter() - start
    return Sample(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def compare(title: str, rows: int, variants: dict[str, Callable[[], Sample]], rounds: int, peer: str,
            ours: dict[str, str] | None = None) -> None:  # fmt: skip
    """Run every variant `rounds` times, rotating the order, and print medians and ratios to `peer`.

    `ours` maps each of our variants to the variant that only starts the same command
    (on a one-row manifest): our CPU net of it is the reading itself.
    """
    ours = ours or {}
    startups = set(ours.values())
    samples: dict[str, list[Sample]] = {name: [] for name in variants}
    names = list(variants)
    for round_no in range(rounds):
        order = names[round_no % len(names):] + names[: round_no % len(names)]
        for name in order:
            samples[name].append(variants[name]())
        print(f"round {round_no + 1}: " + ", ".join(f"{n} {samples[n][-1].wall:.2f} s" for n in names), flush=True)
    print(f"\n{title}: {rows:,} rows, median of {rounds} rounds (fresh processes, start to exit)")
    width = max(map(len, names))
    peer_rate = rows / statistics.median(s.wall for s in samples[peer])
    for name in names:
        wall = statistics.median(s.wall for s in samples[name])
        cpu = statistics.median(s.cpu for s in samples[name])
        rss = max(s.rss_mib for s in samples[name])
        if name in startups:
            print(f"  {name.ljust(width)} : {wall:6.2f} s  CPU {cpu:6.2f} s  peak RSS {rss:5.0f} MiB")
            continue
        net = ""
        if name in ours:
            base_cpu = statistics.median(s.cpu for s in samples[ours[name]])
            net = f"  net of start-up {rows / (cpu - base_cpu):>10,.0f} rows/CPU-s"
        print(f"  {name.ljust(width)} : {rows / wall:>10,.0f} rows/s  {wall:6.2f} s  CPU {cpu:6.2f} s"
              f" ({rows / cpu:>10,.0f} rows/CPU-s)  peak RSS {rss:5.0f} MiB  x{rows / wall / peer_rate:.2f}{net}")  # fmt: skip
    print()


def job_file(manifest: Path, workdir: Path, inventory: bool = False) -> Path:
    path = workdir / f"prepare-job-{manifest.stem}.json"
    spec = {"Format": "S3InventoryReport_CSV_20161130"} if inventory else {
        "Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]}  # fmt: skip
    path.write_text(json.dumps({
        "Operation": {"S3PutObjectTagging": {"TagSet": [{"Key": "k", "Value": "v"}]}},
        "Manifest": {"Spec": spec, "Location": {"ObjectArn": f"file://{manifest}"}},
        "Report": {"Enabled": False}, "Priority": 10, "ConfirmationRequired": True,
    }))  # fmt: skip
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3_000_000)
    parser.add_argument("--inventory-rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="s3batch-bench-prepare-"))
    # Preparing sends no per-object request, but `run`'s preflight checks that the endpoint
    # answers and the manifest's buckets exist: a server with empty buckets is enough.
    holder = subprocess.Popen([sys.executable, "-c", SERVER_HOLDER, str(workdir / "weed"), *BUCKETS],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        server_env = json.loads(holder.stdout.readline() or "null")
        if server_env is None:
            sys.exit("SeaweedFS did not start")
        run_comparisons(args, child_env(server_env | {"S3BATCH_TUI_HOME": str(workdir / "home")}), workdir)
    finally:
        holder.stdin.close()
        holder.wait()


def run_comparisons(args: argparse.Namespace, env: dict[str, str], workdir: Path) -> None:
    """The CSV comparison, then the inventory one."""
    python = sys.executable
    manifest = csv_manifest(args.rows)
    job = job_file(manifest, workdir)
    one_row = workdir / "one-row.csv"
    one_row.write_text(f"{BUCKETS[0]},a\n")
    one_row_job = job_file(one_row, workdir)
    ours = [python, "-m", "s3batch_tui"]
    waiting = "Waiting for confirmation"
    startups = {
        "start-up (1-row validate)": lambda: measure([*ours, "manifest", "validate", str(one_row)], env),
        "start-up (1-row run)": lambda: measure([*ours, "run", str(one_row_job)], env, until=waiting),
    }
    net_of = {"manifest validate": "start-up (1-row validate)", "run: Preparing to Suspended": "start-up (1-row run)"}
    compare("CSV manifest", args.rows, startups | {
        "csv.reader + unquote_plus": lambda: measure([python, "-c", CSV_PEER, str(manifest)], env),
        "manifest validate": lambda: measure([*ours, "manifest", "validate", str(manifest)], env),
        "run: Preparing to Suspended": lambda: measure([*ours, "run", str(job)], env, until=waiting),
    }, args.rounds, peer="csv.reader + unquote_plus", ours=net_of)  # fmt: skip
    inventory_json, data_files = inventory(args.inventory_rows)
    inventory_job = job_file(inventory_json, workdir, inventory=True)
    data = [str(p) for p in data_files]
    compare("S3 Inventory (gzip CSV)", args.inventory_rows, startups | {
        "gzip.open alone": lambda: measure([python, "-c", GZIP_ALONE, *data], env),
        "zlib alone (1 MiB blocks)": lambda: measure([python, "-c", INFLATE_ALONE, "zlib", *data], env),
        "isal alone (1 MiB blocks)": lambda: measure([python, "-c", INFLATE_ALONE, "isal.isal_zlib", *data], env),
        "csv.reader + unquote_plus": lambda: measure([python, "-c", INVENTORY_PEER, *data], env),
        "manifest validate": lambda: measure([*ours, "manifest", "validate", str(inventory_json)], env),
        "run: Preparing to Suspended": lambda: measure([*ours, "run", str(inventory_job)], env,
                                                       until=waiting),
    }, args.rounds, peer="gzip.open alone", ours=net_of)  # fmt: skip


if __name__ == "__main__":
    main()
