"""Local Python handlers for `LambdaInvoke` (extension): test a Batch Operations Lambda first.

`FunctionArn` = `python:package.module:function` (imported like any module, so it must
be importable from the current `sys.path`) or `python:/path/to/file.py:function` (a
relative path is taken from the current directory). The handler is loaded once, when
the job is built; a missing module, file or function is an InputError naming the
FunctionArn, and nothing runs.

Each call gets what AWS Lambda would give: the event after a JSON round trip (a fresh
copy, no shared objects) and a small context object. What the handler returns goes
through `json.dumps`, as the Python runtime marshals it; an exception, or a value that
JSON cannot encode, becomes a function error with the runtime's payload shape
(`{"errorMessage", "errorType"}`).

Thread-safety: tasks run on a worker pool, so the handler may be called from several
threads at once, in one process. On AWS each concurrent invocation has its own
execution environment; here module globals are shared, so the handler must be
thread-safe (boto3 clients are; a module-level dict that is mutated is not). Output
the handler prints goes to this process's stdout.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from s3batch_tui.core.errors import InputError

PREFIX = "python:"
WHERE = "Operation.LambdaInvoke.FunctionArn"
TIMEOUT_MILLIS = 900_000
"""What `get_remaining_time_in_millis` counts down from: AWS Lambda's 15-minute maximum."""


def is_local_handler(function_arn: str) -> bool:
    """Whether a FunctionArn names a local Python handler rather than an AWS function."""
    return function_arn.startswith(PREFIX)


@dataclass
class LocalContext:
    """The parts of the AWS Lambda context object that handlers commonly use."""

    function_name: str
    invoked_function_arn: str
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 128
    log_group_name: str = "local"
    log_stream_name: str = "local"
    _started: float = field(default_factory=time.monotonic, repr=False)

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left of a 15-minute budget (nothing enforces it locally)."""
        return max(0, TIMEOUT_MILLIS - int((time.monotonic() - self._started) * 1000))


def _load_module(target: str, function_arn: str) -> Any:
    if target.endswith(".py") or "/" in target or "\\" in target:
        path = Path(target).expanduser().resolve()
        if not path.is_file():
            raise InputError(f"no such handler file: {path}", f"{WHERE} {function_arn!r}")
        # A name unique per path, so two handler files called handler.py do not collide.
        name = f"s3batch_local_lambda_{path.stem}_{hashlib.sha1(str(path).encode()).hexdigest()[:12]}"
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise InputError(f"cannot load {path} as Python", f"{WHERE} {function_arn!r}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop(name, None)
            raise
        return module
    return importlib.import_module(target)


def load_handler(function_arn: str) -> Callable[[Any, Any], Any]:
    """Import the handler a `python:` FunctionArn names.

    Raises:
        InputError: malformed FunctionArn, missing module/file/function, or the module
            failed while being imported (its error is in the message).
    """
    target, _, function_name = function_arn[len(PREFIX):].rpartition(":")
    if not target or not function_name:
        raise InputError(
            "expected python:module:function or python:/path/file.py:function", f"{WHERE} {function_arn!r}"
        )
    try:
        module = _load_module(target, function_arn)
    except InputError:
        raise
    except ModuleNotFoundError as exc:
        raise InputError(f"cannot import {target!r}: {exc}", f"{WHERE} {function_arn!r}") from None
    except Exception as exc:  # noqa: BLE001 - any error while importing user code is bad input
        raise InputError(
            f"importing {target!r} failed: {type(exc).__name__}: {exc}", f"{WHERE} {function_arn!r}"
        ) from None
    handler = getattr(module, function_name, None)
    if not callable(handler):
        raise InputError(f"{target!r} has no function {function_name!r}", f"{WHERE} {function_arn!r}")
    return handler


def _error_payload(message: str, error_type: str) -> bytes:
    return json.dumps({"errorMessage": message, "errorType": error_type}).encode()


class LocalInvoker:
    """Calls a local handler the way Lambda's RequestResponse invoke would.

    `invoke(payload)` returns `(response payload bytes, function error or None)`, the
    same pair the AWS path reads from boto3's Invoke response.
    """

    def __init__(self, function_arn: str) -> None:
        self._arn = function_arn
        self._handler = load_handler(function_arn)
        self._name = function_arn.rpartition(":")[2]

    def invoke(self, payload: bytes) -> tuple[bytes, str | None]:
        """Run the handler on the JSON event `payload`."""
        event = json.loads(payload)
        context = LocalContext(function_name=self._name, invoked_function_arn=self._arn)
        try:
            result = self._handler(event, context)
        except Exception as exc:  # noqa: BLE001 - the function's error is the task's outcome
            return _error_payload(str(exc), type(exc).__name__), "Unhandled"
        try:
            return json.dumps(result).encode(), None
        except (TypeError, ValueError) as exc:
            # What the Python runtime answers when it cannot marshal the return value.
            return _error_payload(f"Unable to marshal response: {exc}", "Runtime.MarshalError"), "Unhandled"
