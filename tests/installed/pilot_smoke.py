"""Run by the installed environment's interpreter: the TUI starts with its styles and lists the jobs.

    python pilot_smoke.py DATA_DIR   ->  prints what it saw, as JSON, on stdout
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

import s3batch_tui
from s3batch_tui.core.s3 import AwsSettings
from s3batch_tui.settings import Settings
from s3batch_tui.tui.app import build_app


async def look(data_dir: str) -> dict:
    app = build_app(Settings.load(data_dir), AwsSettings())
    async with app.run_test(size=(120, 30)) as pilot:
        screen = app.screen
        deadline = time.monotonic() + 20
        while screen.table.row_count == 0 and time.monotonic() < deadline:  # the store is polled in a worker
            await pilot.pause(0.1)
        return {
            "package": s3batch_tui.__file__,
            "screen": type(screen).__name__,
            "rows": [[str(cell) for cell in screen.table.get_row_at(n)] for n in range(screen.table.row_count)],
            "style_rules": len(app.stylesheet.rules),
        }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(look(sys.argv[1]))))
