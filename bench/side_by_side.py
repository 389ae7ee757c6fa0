"""Run peers on the same work, alternating who goes first, and print rates, ratios and client CPU."""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

Peer = tuple[str, Callable[[int], float]]
"""A label and a function of the round number that does the work and returns its seconds."""


def worker_counts(text: str) -> list[int]:
    """`--also-workers`' value: "64,256" -> [64, 256] (argparse names the flag if it is not that)."""
    counts = [int(n) for n in text.split(",")]
    if min(counts) < 1:
        raise ValueError(text)
    return counts


def bench_args(description: str, prefix: str,
               more: Callable[[argparse.ArgumentParser], object] | None = None) -> tuple[argparse.Namespace, Path]:
    """The flags every side-by-side bench takes, and `more`'s, and a work dir.

    --objects, --workers, --rounds, and --also-workers (s3batch-tui at other worker counts too).
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--objects", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--also-workers", type=worker_counts, default=[],
                        metavar="N[,N...]", help="also run s3batch-tui with these worker counts, in the same rounds")
    if more is not None:
        more(parser)
    return parser.parse_args(), Path(tempfile.mkdtemp(prefix=prefix))


def child_env(extra: dict[str, str]) -> dict[str, str]:
    """This environment plus `extra`, for a peer's process.

    PYTHONDONTWRITEBYTECODE goes: an installed package has its bytecode compiled, and a
    Python peer that recompiles its imports on every start measures the set-up, not itself.
    """
    env = os.environ | extra
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


CPU: dict[str, list[float]] = {}
"""Client CPU seconds (user + system) of each peer's processes, per round, by label."""

SERVER_CPU: dict[str, list[float]] = {}
"""The S3 server's CPU seconds while each peer ran, per round, by label (see `watch_server`)."""

_server_pid: int | None = None


def watch_server(pid: int) -> None:
    """Also measure this server process's CPU during each peer's run.

    Client and server share the machine's cores, so a peer's rate is bounded by the sum of
    both CPU figures per request: the server's share says how much a faster client can gain.
    """
    global _server_pid
    _server_pid = pid


def _process_cpu(pid: int | None) -> float:
    """User + system CPU seconds of a live process (0.0 when none is watched)."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str], env: dict[str, str], label: str) -> float:
    """Run `command` to its end; its wall seconds (its CPU goes to `CPU[label]`). Exits on failure."""
    cpu, server_cpu = _children_cpu(), _process_cpu(_server_pid)
    start = time.perf_counter()
    result = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    CPU.setdefault(label, []).append(_children_cpu() - cpu)
    if _server_pid is not None:
        SERVER_CPU.setdefault(label, []).append(_process_cpu(_server_pid) - server_cpu)
    if result.returncode != 0:
        sys.exit(f"{command[:4]} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return elapsed


def print_cpu(tasks: int) -> None:
    """Each peer's median client CPU per request (its process's user + system time / tasks)."""
    for label, seconds in CPU.items():
        per_request = statistics.median(seconds) / tasks * 1000
        print(f"  client CPU per request, {label}: {per_request:.3f} ms (median; includes start-up)")
    for label, seconds in SERVER_CPU.items():
        per_request = statistics.median(seconds) / tasks * 1000
        print(f"  server CPU per request, {label}: {per_request:.3f} ms (median; the S3 server while it ran)")


def run_rounds(peers: list[Peer], rounds: int, tasks: int, how: str) -> dict[str, float]:
    """Time every peer each round (the order rotates); print and return each one's median rate."""
    times: dict[str, list[float]] = {label: [] for label, _ in peers}
    for round_no in range(rounds):
        shift = round_no % len(peers)
        for label, run in peers[shift:] + peers[:shift]:
            times[label].append(run(round_no))
        print(f"round {round_no + 1}: " + ", ".join(f"{label} {t[-1]:.2f} s" for label, t in times.items()), flush=True)
    rates = {label: tasks / statistics.median(t) for label, t in times.items()}
    width = max(len(label) for label in rates)
    print(f"\n{tasks} tasks, median of {rounds} rounds ({how})")
    for label, rate in rates.items():
        print(f"  {label.ljust(width)} : {rate:8.0f} tasks/s")
    return rates


def print_ratio(rates: dict[str, float], ours: str, peer: str, target: float) -> None:
    """`ours / peer` rate ratio against its target."""
    print(f"  ratio {ours} / {peer} : {rates[ours] / rates[peer]:.2f} (target >= {target:.2f})")


def our_variants(workers: int, also: list[int], run: Callable[[int, int, str], float]) -> list[Peer]:
    """s3batch-tui at `workers` and at each of `also`: `run(workers, round, label)` does one round."""
    labels = [("s3batch-tui run", workers)] + [(f"s3batch-tui run, {n} workers", n) for n in also]
    return [(label, lambda round_no, n=n, label=label: run(n, round_no, label)) for label, n in labels]


def compare(ours: list[Peer], peer: Peer, rounds: int, tasks: int, how: str, target: float = 0.90) -> None:
    """Time `ours` (one or more variants) and `peer` side by side and print their rates and ratios."""
    rates = run_rounds([*ours, peer], rounds, tasks, how)
    for label, _ in ours:
        print_ratio(rates, label, peer[0], target)
