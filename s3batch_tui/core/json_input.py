"""Parsing JSON that a user gave us (job files, inventory manifest.json), bad input as InputError."""

from __future__ import annotations

import json
from typing import Any

from s3batch_tui.core.errors import InputError


def parse_json(text: str | bytes, where: str, error: type[InputError] = InputError) -> Any:
    """The JSON document in `text`; any malformed input raises `error` naming `where`.

    Nesting deeper than Python's recursion limit (`"[" * 200000`) is refused as bad
    input rather than escaping as a RecursionError that would crash a command or a runner.
    """
    try:
        return json.loads(text)
    except UnicodeDecodeError:
        raise error("not UTF-8 text", where) from None
    except json.JSONDecodeError as exc:
        raise error(f"invalid JSON: {exc.msg}", f"{where} line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise error("JSON nested too deeply (arrays or objects inside each other beyond any real document)",
                    where) from None  # fmt: skip
