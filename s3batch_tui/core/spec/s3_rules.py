"""S3's own rules for names and tags, checked before a job is created.

A job that breaks them is accepted by the models but every task then fails at S3 (or
the job fails at AWS): front ends call these to refuse such input up front, in words.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import get_args

from s3batch_tui.core.spec.base import StorageClass

MAX_TAGS = 10
TAG_KEY_MAX = 128
TAG_VALUE_MAX = 256
_TAG_TEXT = re.compile(r"[\w\s+\-=.:/@]*")
"""Letters, numbers and spaces in any script, and `+ - = . _ : / @` (S3's allowed tag characters)."""
_BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_IP_ADDRESS = re.compile(r"\d+\.\d+\.\d+\.\d+")
_RESERVED_BUCKET = (("xn--", "sthree-", "amzn-s3-demo-"), ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"))


def tag_set_problems(tags: Iterable[tuple[str, str]]) -> list[str]:
    """What S3 would refuse in a tag set: too many, duplicate keys, lengths, characters."""
    tags = list(tags)
    problems = []
    if len(tags) > MAX_TAGS:
        problems.append(f"S3 allows at most {MAX_TAGS} tags per object, got {len(tags)}")
    duplicates = [key for key, count in Counter(key for key, _ in tags).items() if count > 1]
    if duplicates:
        problems.append("each tag key may appear once; repeated: " + ", ".join(repr(k) for k in duplicates))
    for key, value in tags:
        if not key:
            problems.append(f"a tag with value {value!r} has no key")
        elif len(key) > TAG_KEY_MAX:
            problems.append(f"tag key {key[:20]!r}… is {len(key)} characters; S3 allows {TAG_KEY_MAX}")
        elif key.lower().startswith("aws:"):
            problems.append(f"tag key {key!r}: keys starting with aws: are reserved for AWS")
        elif not _TAG_TEXT.fullmatch(key):
            problems.append(f"tag key {key!r}: {_bad_characters(key)}")
        if len(value) > TAG_VALUE_MAX:
            problems.append(f"the value of tag {key!r} is {len(value)} characters; S3 allows {TAG_VALUE_MAX}")
        elif not _TAG_TEXT.fullmatch(value):
            problems.append(f"the value of tag {key!r}: {_bad_characters(value)}")
    return problems


def _bad_characters(text: str) -> str:
    bad = sorted({char for char in text if not _TAG_TEXT.fullmatch(char)})
    return (f"S3 does not allow {' '.join(repr(c) for c in bad)} in tags (letters, numbers, spaces "
            "and + - = . _ : / @ only)")  # fmt: skip


def bucket_name_problem(name: str) -> str | None:
    """Why `name` is not a valid S3 bucket name, or None when it is."""
    if not 3 <= len(name) <= 63:
        return f"bucket name {name!r} must be 3 to 63 characters long"
    if not _BUCKET_NAME.fullmatch(name):
        return (f"bucket name {name!r} may hold only lowercase letters, numbers, dots and hyphens, "
                "and must begin and end with a letter or a number")  # fmt: skip
    if ".." in name or _IP_ADDRESS.fullmatch(name):
        return f"bucket name {name!r} may not hold two dots in a row or look like an IP address"
    prefixes, suffixes = _RESERVED_BUCKET
    if name.startswith(prefixes) or name.endswith(suffixes):
        return f"bucket name {name!r} uses a prefix or suffix S3 reserves"
    return None


def local_handler_problem(function_arn: str, cwd: Path | None = None) -> str | None:
    """Why a `python:` Lambda handler file does not exist (nothing is imported), or None."""
    target, _, function = function_arn.removeprefix("python:").rpartition(":")
    if not target or not function:
        return f"expected python:module:function or python:/path/file.py:function, got {function_arn!r}"
    if not (target.endswith(".py") or "/" in target):
        return None  # a module: importable from the runner's path, which this process cannot judge
    path = Path(target).expanduser()
    path = path if path.is_absolute() else (cwd or Path.cwd()) / path
    return None if path.is_file() else f"the handler file {target} does not exist"


def storage_class_problems(names: Iterable[str]) -> list[str]:
    """Storage class names S3 does not have."""
    known = get_args(StorageClass)
    return [f"unknown storage class {name!r} (one of {', '.join(known)})" for name in names if name not in known]
