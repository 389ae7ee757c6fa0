"""Time the wizard's steps as a user feels them, with Textual's Pilot (the snapshot tests' flow).

Run from the repo root: `PYTHONPATH=. .venv/bin/python bench/wizard_steps.py [rounds]`.
Prints the median seconds of each step over the rounds (the machine's load moves single runs).
"""

import asyncio
import os
import statistics
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
    laps: dict[str, float] = {}
    async with app.run_test(size=(140, 45)) as pilot:
        t = time.monotonic()

        def lap(what: str) -> None:
            nonlocal t
            now = time.monotonic()
            laps[what] = now - t
            t = now

        await pilot.press("n"); lap("open wizard (n)")  # fmt: skip
        await pilot.press(*"abc"); lap("3 keys in manifest input")  # fmt: skip
        await T.enter_text(pilot, "manifests/photos.csv"); lap("enter_text")  # fmt: skip
        await pilot.press("enter"); lap("enter")  # fmt: skip
        await T.until(pilot, lambda: app.screen.state.scan_done, timeout=20); lap("scan")  # fmt: skip
        await T.settle(app, pilot); lap("settle")  # fmt: skip
        await T.next_step(pilot); lap("ctrl+n -> Operation")  # fmt: skip
        await T.settle(app, pilot); lap("settle 2")  # fmt: skip
        await T.tagging(pilot); lap("choose tagging + tab into tags")  # fmt: skip
        await pilot.press(*"xyz"); lap("3 keys in tag value")  # fmt: skip
        await T.settle(app, pilot); lap("settle 3")  # fmt: skip
        await T.next_step(pilot); lap("ctrl+n -> Options")  # fmt: skip
        await pilot.press(*"123"); lap("3 keys in options input")  # fmt: skip
        await T.next_step(pilot); lap("ctrl+n -> Review")  # fmt: skip
        await T.settle(app, pilot); lap("settle 4")  # fmt: skip
        await T.quiet(pilot); lap("quiet")  # fmt: skip
    return laps


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    results = [asyncio.run(one_round()) for _ in range(rounds)]
    for name in results[0]:
        print(f"{statistics.median(r[name] for r in results):6.3f}  {name}")


if __name__ == "__main__":
    main()
