"""A CreateJob document checked against botocore's `s3control` model, member by member.

botocore's own ParamValidator checks required members, types and minimums but not
maximums, enums or patterns, and it coerces nothing only because Python callers pass
Python values. A job file is JSON, so this walker applies every constraint the model
states (exact member names, JSON types without coercion, min/max lengths and values,
enums, patterns, unions) to the document as written, and names each problem by its
member path (`Operation.S3PutObjectTagging.TagSet[2].Key`). The model is the single
source of truth: nothing here names an operation's field.

Local extensions (SPEC.md section 1) are set aside rather than checked: `LocalOptions`,
`Local*` operations, `file://` locations in ARN members and `python:` Lambda handlers;
pydantic checks those afterwards. AccountId, RoleArn, ClientRequestToken and Priority
are required by the model but optional locally (the AWS CLI fills the token itself).
"""

from __future__ import annotations

import difflib
import os
from datetime import datetime
from functools import cache
from typing import Any

import regex
from botocore.model import ServiceModel, Shape, StructureShape

from s3batch_tui.core.botocore_loader import quick_loader
from s3batch_tui.core.clip import clip, clip_repr
from s3batch_tui.core.spec.base import LOCAL_URI_PREFIX

__all__ = ["check_create_job", "check_shape", "s3control_model"]

LOCAL_OPTIONAL = frozenset({"AccountId", "RoleArn", "ClientRequestToken", "Priority"})
LOCAL_MEMBER_PREFIX = "Local"
PYTHON_HANDLER_PREFIX = "python:"


@cache
def s3control_model() -> ServiceModel:
    """botocore's `s3control` service model (loaded once).

    Read with botocore's loader, as a session does (AWS_DATA_PATH included), without
    making a session: that registers botocore's hundreds of handlers, about 0.1 s of
    CPU at every `run` and `job submit`.
    """
    data = quick_loader(os.environ.get("AWS_DATA_PATH")).load_service_model("s3control", "service-2")
    return ServiceModel(data, service_name="s3control")


@cache
def _pattern(text: str) -> regex.Pattern:
    # The model's patterns are Java regular expressions (`\p{L}`), which `regex` reads.
    return regex.compile(text)


def check_create_job(document: dict[str, Any]) -> list[str]:
    """Every way `document` breaks the CreateJob input shape, as `Path: problem` lines."""
    shape = s3control_model().operation_model("CreateJob").input_shape
    walker = _Walker(local=True)
    walker.structure(shape, document, "")
    return walker.errors


def check_shape(shape: Shape, value: Any, path: str = "") -> list[str]:
    """Every way `value` breaks `shape`, with no local extensions allowed (output checks)."""
    walker = _Walker(local=False)
    walker.value(shape, value, path)
    return walker.errors


def _describe(value: Any) -> str:
    kind = {bool: "a boolean", str: "a string", int: "a number", float: "a number",
            list: "a list", dict: "an object", type(None): "null"}.get(type(value), type(value).__name__)  # fmt: skip
    shown = clip_repr(value) if isinstance(value, (str, int, float, bool)) else ""
    return f"{kind} {shown}".strip()


class _Walker:
    """One pass over a document; problems collect in `errors`."""

    def __init__(self, local: bool) -> None:
        self.local = local
        self.errors: list[str] = []

    def fail(self, path: str, message: str) -> None:
        self.errors.append(f"{clip(path) or '(top level)'}: {message}")

    def value(self, shape: Shape, value: Any, path: str) -> None:
        kind = shape.type_name
        if kind == "structure":
            self.structure(shape, value, path)
        elif kind == "list":
            self.list(shape, value, path)
        elif kind == "map":
            self.map(shape, value, path)
        elif kind == "string":
            self.string(shape, value, path)
        elif kind in ("integer", "long"):
            self.integer(shape, value, path)
        elif kind in ("double", "float"):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return self.fail(path, f"expected a number, got {_describe(value)}")
            self.range(shape, value, path)
        elif kind == "boolean":
            if not isinstance(value, bool):
                self.fail(path, f"expected true or false, got {_describe(value)}")
        elif kind == "timestamp":
            self.timestamp(value, path)
        else:
            self.fail(path, f"a {kind} value cannot be given in a job file")

    def structure(self, shape: StructureShape, value: Any, path: str) -> None:
        if not isinstance(value, dict):
            return self.fail(path, f"expected an object, got {_describe(value)}")
        members = shape.members
        given = []
        for name, item in value.items():
            where = f"{path}.{name}" if path else name
            if name not in members:
                if not self._local_member(shape, name, path):
                    self.fail(where, _unknown_member(name, members))
                continue
            if item is None:
                self.fail(where, "expected a value, got null (leave the member out instead)")
                continue
            given.append(name)
            self.value(members[name], item, where)
        for name in shape.required_members:
            if name not in value and not self._locally_optional(name, value, path):
                self.fail(f"{path}.{name}" if path else name, "required member is missing")
        if shape.metadata.get("union") and len(given) != 1 and not value.keys() - members.keys():
            self.fail(path, f"expected exactly one of {', '.join(members)}, got {len(given) or 'none'}")

    def list(self, shape: Shape, value: Any, path: str) -> None:
        if not isinstance(value, list):
            return self.fail(path, f"expected a list, got {_describe(value)}")
        self.size(shape, len(value), path, "items")
        for index, item in enumerate(value):
            self.value(shape.member, item, f"{path}[{index}]")

    def map(self, shape: Shape, value: Any, path: str) -> None:
        if not isinstance(value, dict):
            return self.fail(path, f"expected an object, got {_describe(value)}")
        self.size(shape, len(value), path, "entries")
        for key, item in value.items():
            self.string(shape.key, key, f"{path} key {clip_repr(key)}")
            self.value(shape.value, item, f"{path}[{clip_repr(key)}]")

    def string(self, shape: Shape, value: Any, path: str) -> None:
        if not isinstance(value, str):
            return self.fail(path, f"expected a string, got {_describe(value)}")
        pattern = shape.metadata.get("pattern")
        if self.local and value.startswith(LOCAL_URI_PREFIX) and pattern and pattern.startswith("arn:"):
            return  # a file:// location (extension); pydantic checks its form
        if self.local and value.startswith(PYTHON_HANDLER_PREFIX) and path.endswith("LambdaInvoke.FunctionArn"):
            return  # a local python: handler (extension)
        self.size(shape, len(value), path, "characters")
        enum = shape.enum
        if enum and value not in enum:
            return self.fail(path, f"expected one of {', '.join(enum)}, got {clip_repr(value)}")
        # AWS's services match the whole value (Java's Pattern.matches), so anchor it.
        if pattern and not _pattern(pattern).fullmatch(value):
            self.fail(path, f"{clip_repr(value)} does not match the pattern {pattern}")

    def integer(self, shape: Shape, value: Any, path: str) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            return self.fail(path, f"expected a whole number, got {_describe(value)}")
        self.range(shape, value, path)

    def range(self, shape: Shape, value: float, path: str) -> None:
        low, high = shape.metadata.get("min"), shape.metadata.get("max")
        if low is not None and value < low:
            self.fail(path, f"expected at least {low}, got {value}")
        if high is not None and value > high:
            self.fail(path, f"expected at most {high}, got {value}")

    def size(self, shape: Shape, size: int, path: str, unit: str) -> None:
        low, high = shape.metadata.get("min"), shape.metadata.get("max")
        if low is not None and size < low:
            self.fail(path, f"expected at least {low} {unit.removesuffix('s') if low == 1 else unit}, got {size}")
        if high is not None and size > high:
            self.fail(path, f"expected at most {high} {unit.removesuffix('s') if high == 1 else unit}, got {size}")

    def timestamp(self, value: Any, path: str) -> None:
        # The AWS CLI reads a timestamp as an ISO 8601 string or seconds since the epoch.
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            return self.fail(path, f"expected an ISO 8601 time or seconds since 1970, got {_describe(value)}")
        if isinstance(value, str):
            try:
                datetime.fromisoformat(value)
            except ValueError:
                self.fail(path, f"expected an ISO 8601 time such as 2026-01-31T00:00:00Z, got {clip_repr(value)}")

    def _local_member(self, shape: StructureShape, name: str, path: str) -> bool:
        """Whether `name` is a namespaced local extension allowed where it stands."""
        if not self.local:
            return False
        if path == "" and name == "LocalOptions":
            return True
        return shape.name == "JobOperation" and name.startswith(LOCAL_MEMBER_PREFIX)

    def _locally_optional(self, name: str, value: dict, path: str) -> bool:
        if not self.local:
            return False
        if path == "" and name in LOCAL_OPTIONAL:
            return True
        # A file:// manifest has no ETag (SPEC.md section 2: its SHA-256 is recorded instead).
        return name == "ETag" and str(value.get("ObjectArn", "")).startswith(LOCAL_URI_PREFIX)


def _unknown_member(name: str, members) -> str:
    """The message for a member the model does not have, with the likely intended name."""
    folded = {m.lower(): m for m in members}
    guess = folded.get(name.replace("_", "").lower()) or next(iter(difflib.get_close_matches(name, members, 1)), None)
    hint = f"; did you mean {guess}?" if guess else f"; expected one of {', '.join(members)}"
    return f"unknown member (names are case-sensitive, as in AWS CreateJob){hint}"
