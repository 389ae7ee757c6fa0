"""Run two peers on the same work, alternating who goes first, and print rates and their ratio."""

from __future__ import annotations

import argparse
import statistics
import tempfile
from collections.abc import Callable
from pathlib import Path


def bench_args(description: str, prefix: str,
               more: Callable[[argparse.ArgumentParser], object] | None = None) -> tuple[argparse.Namespace, Path]:  # fmt: skip
    """The flags every side-by-side bench takes (--objects, --workers, --rounds; `more` adds its own) and a fresh work dir."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--objects", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    if more is not None:
        more(parser)
    return parser.parse_args(), Path(tempfile.mkdtemp(prefix=prefix))


def compare(ours: tuple[str, Callable[[int], float]], peer: tuple[str, Callable[[int], float]],
            rounds: int, tasks: int, how: str, target: float = 0.90) -> None:  # fmt: skip
    """Time `ours` and `peer` (each a label and a function of the round giving seconds)."""
    times: dict[str, list[float]] = {ours[0]: [], peer[0]: []}
    for round_no in range(rounds):
        order = [ours, peer] if round_no % 2 == 0 else [peer, ours]
        for label, run in order:
            times[label].append(run(round_no))
        print(f"round {round_no + 1}: " + ", ".join(f"{label} {t[-1]:.2f} s" for label, t in times.items()), flush=True)
    rates = {label: tasks / statistics.median(t) for label, t in times.items()}
    width = max(len(label) for label in rates)
    print(f"\n{tasks} tasks, median of {rounds} rounds ({how})")
    for label, rate in rates.items():
        print(f"  {label.ljust(width)} : {rate:8.0f} tasks/s")
    ratio = rates[ours[0]] / rates[peer[0]]
    print(f"  {'ratio'.ljust(width)} : {ratio:8.2f} ({ours[0]} / {peer[0]}; target >= {target:.2f})")
