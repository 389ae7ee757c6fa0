"""Capping values echoed in error messages, so a 10 MB field cannot make a 10 MB error line."""

from __future__ import annotations

ECHO_LIMIT = 200
"""Characters of an echoed value shown before "... (N more)"."""


def clip(text: str, limit: int = ECHO_LIMIT) -> str:
    """`text` itself, or its first `limit` characters then "... (N more)"."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text) - limit:,} more)"


def clip_repr(value: object, limit: int = ECHO_LIMIT) -> str:
    """`repr(value)` capped like `clip`; a long string is cut before it is quoted."""
    if isinstance(value, str) and len(value) > limit:
        return f"{value[:limit]!r}... ({len(value) - limit:,} more)"
    return clip(repr(value), limit)
