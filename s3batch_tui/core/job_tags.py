"""A job's tags (S3 Control `S3TagSet`): the rules, reading and replacing them.

Tags live in the job's stored spec (`Tags`, as CreateJob took them), so a job created
with tags and one tagged later look the same. The limits are AWS's: at most 50 tags,
unique keys, keys 1-128 and values 0-256 characters of letters, spaces, digits and
`_.:/=+-@` (the model's `\\p{L}\\p{Z}\\p{N}` pattern, checked with Unicode categories
since Python's `re` has no `\\p{...}`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from s3batch_tui.core.clip import clip_repr
from s3batch_tui.core.errors import InputError
from s3batch_tui.core.store import Store

MAX_TAGS = 50
MAX_KEY = 128
MAX_VALUE = 256
_PUNCTUATION = frozenset("_.:/=+-@")


class TooManyTags(InputError):
    """More than 50 tags on one job (AWS: TooManyTagsException)."""

    def __init__(self, count: int) -> None:
        super().__init__(f"a job has at most {MAX_TAGS} tags, got {count}", "Tags", code="TooManyTagsException")


def _allowed(text: str) -> bool:
    return all(ch in _PUNCTUATION or unicodedata.category(ch)[0] in "LZN" for ch in text)


def check_tags(tags: Iterable[dict[str, str]], where: str = "Tags") -> list[dict[str, str]]:
    """`tags` as `[{"Key": ..., "Value": ...}]` if they obey AWS's rules; InputError naming the tag if not."""
    checked = []
    seen: set[str] = set()
    for index, tag in enumerate(tags):
        place = f"{where}[{index}]"
        key, value = tag.get("Key"), tag.get("Value")
        if not isinstance(key, str) or not isinstance(value, str):
            raise InputError("each tag needs a Key and a Value (text)", place)
        if not 1 <= len(key) <= MAX_KEY or not _allowed(key):
            raise InputError(f"Key must be 1-{MAX_KEY} letters, digits, spaces or _.:/=+-@, got {clip_repr(key)}", place)
        if len(value) > MAX_VALUE or not _allowed(value):
            raise InputError(f"Value must be 0-{MAX_VALUE} letters, digits, spaces or _.:/=+-@, got {clip_repr(value)}", place)
        if key in seen:
            raise InputError(f"the key {clip_repr(key)} appears twice; keys must be unique", place)
        seen.add(key)
        checked.append({"Key": key, "Value": value})
    if len(checked) > MAX_TAGS:
        raise TooManyTags(len(checked))
    return checked


def parse_tag_args(pairs: Iterable[str]) -> list[dict[str, str]]:
    """`["k=v", ...]` (from `--set`) as a checked tag list."""
    tags = []
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise InputError(f"expected KEY=VALUE, got {pair!r}", "--set")
        tags.append({"Key": key, "Value": value})
    return check_tags(tags, "--set")


def get_tags(store: Store, job_id: str) -> list[dict[str, str]]:
    """The job's tags, in the order they were given."""
    return [{"Key": t.key, "Value": t.value} for t in store.get(job_id).spec.tags or []]


def put_tags(store: Store, job_id: str, tags: Iterable[dict[str, str]]) -> list[dict[str, str]]:
    """Replace every tag of the job (an empty list removes them all); returns the new set."""
    checked = check_tags(tags)
    store.set_tags(job_id, checked)
    return checked
