"""JSON as Rich text, coloured with the active theme's variables (keys, strings, numbers, literals)."""

from __future__ import annotations

import re

from rich.text import Text

_TOKEN = re.compile(
    r'(?P<key>"(?:[^"\\]|\\.)*")(?=\s*:)'
    r'|(?P<string>"(?:[^"\\]|\\.)*")'
    r"|(?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)"
    r"|(?P<literal>\btrue\b|\bfalse\b|\bnull\b)"
)
_COLOUR_OF = {"key": "primary", "string": "success", "number": "warning", "literal": "accent"}


def highlight_json(text: str, colours: dict[str, str]) -> Text:
    """`text` (JSON) with its tokens coloured from `colours` (the app's `theme_variables`)."""
    result = Text(text, no_wrap=True)
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or ""
        colour = colours.get(_COLOUR_OF[kind])
        if colour:
            result.stylize(f"bold {colour}" if kind == "key" else colour, match.start(), match.end())
    return result
