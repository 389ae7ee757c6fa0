"""The process's own lifetime: what a command may do only when the command line is this process's.

A command run from the shell (or `python -m s3batch_tui`) ends the process when it
returns, so the objects its start-up made (boto3's models, pydantic's validators, the
modules) live until then. Moving them out of the garbage collector's sight saves its
full passes over them: about 0.1 s while a 5,000-task job runs, and about 0.1 s of
teardown at exit (bench/bench_tagging.py). Tests call `main([...])` in their own
process, which must stay collectable, so nothing happens there.
"""

from __future__ import annotations

import gc

_owned = False


def own(argv: list[str] | None) -> None:
    """Note whether `main` got this process's command line (argv None) or a caller's list."""
    global _owned
    _owned = argv is None


def settle() -> None:
    """Start-up is over: what exists now lives to the end of the process (no collector passes over it)."""
    if _owned:
        gc.freeze()


def end() -> None:
    """The command returned and the process ends: skip the final collections over everything."""
    if _owned:
        gc.freeze()
