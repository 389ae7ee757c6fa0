"""Time the wizard's steps as a user feels them, with Textual's Pilot (the snapshot tests' flow).

Run from the repo root: `PYTHONPATH=. .venv/bin/python bench/wizard_steps.py [rounds] [OTHER_TREE]`.
Prints the median seconds of each step over the rounds (the machine's load moves single runs).
With OTHER_TREE (a checkout of the peer, e.g. `git archive main | tar -x -C /tmp/main`), each
round runs both trees one after the other in fresh processes and prints both medians and their ratio.
"""

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import tests.tui.test_snapshots as T
from tests.tui.test_wizard import MANIFEST_ROWS


async def one_round() -> dict[str, float]:
    home = Path(tempfile.mkdtemp())
    (home / "manifests").mkdir()
    (home / "manifests" / "photos.csv").write_text(MANIFEST_ROWS)
    os.chdir(home)
    app = T.make_app(home / "home", seeded=False)
    steps = (
        ("open wizard (n)", lambda: pilot.press("n")),
        ("3 keys in manifest input", lambda: pilot.press(*"abc")),
        ("enter_text", lambda: T.enter_text(pilot, "manifests/photos.csv")),
        ("enter", lambda: pilot.press("enter")),
        ("scan", lambda: T.until(pilot, lambda: app.screen.state.scan_done, timeout=20)),
        ("settle", lambda: T.settle(app, pilot)),
        ("ctrl+n -> Operation", lambda: T.next_step(pilot)),
        ("settle 2", lambda: T.settle(app, pilot)),
        ("choose tagging + tab into tags", lambda: T.tagging(pilot)),
        ("3 keys in tag value", lambda: pilot.press(*"xyz")),
        ("settle 3", lambda: T.settle(app, pilot)),
        ("ctrl+n -> Options", lambda: T.next_step(pilot)),
        ("3 keys in options input", lambda: pilot.press(*"123")),
        ("ctrl+n -> Review", lambda: T.next_step(pilot)),
        ("settle 4", lambda: T.settle(app, pilot)),
        ("quiet", lambda: T.quiet(pilot)),
    )
    laps: dict[str, float] = {}
    async with app.run_test(size=(140, 45)) as pilot:
        for name, step in steps:
            started = time.monotonic()
            await step()
            laps[name] = time.monotonic() - started
    return laps


def _round_in(tree: str) -> dict[str, float]:
    """One round in a fresh process importing the code of `tree`."""
    env = {**os.environ, "PYTHONPATH": tree}
    out = subprocess.run([sys.executable, __file__, "--one"], env=env, cwd=tree, check=True,
                         capture_output=True, text=True).stdout  # fmt: skip
    return json.loads(out.splitlines()[-1])


def main() -> None:
    if sys.argv[1:] == ["--one"]:
        print(json.dumps(asyncio.run(one_round())))
        return
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    if len(sys.argv) > 2:
        here, other = [], []
        for _ in range(rounds):  # interleaved: both see the same load
            other.append(_round_in(os.path.abspath(sys.argv[2])))
            here.append(_round_in(os.getcwd()))
        print(f"{'step':34s} {'other':>6s} {'this':>6s}  ratio")
        for name in here[0]:
            a, b = (statistics.median(r[name] for r in runs) for runs in (other, here))
            print(f"{name:34s} {a:6.3f} {b:6.3f}  {b / a if a else 0:5.2f}")
        return
    results = [asyncio.run(one_round()) for _ in range(rounds)]
    for name in results[0]:
        print(f"{statistics.median(r[name] for r in results):6.3f}  {name}")


if __name__ == "__main__":
    main()
