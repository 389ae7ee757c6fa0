"""Helpers for the lean-vs-boto3 equivalence tests: the same operation built for either path.

The operation is built as the engine builds it (`build_operation`, version guard and
all), from the environment's credentials and a fresh client; only `RequestPath` differs.
"""

from __future__ import annotations

import os
import uuid
from typing import Any

import pytest

from s3batch_tui.core.engine.retry import RetryPolicy
from s3batch_tui.core.manifest.entry import ManifestEntry
from s3batch_tui.core.operations.base import OperationContext, TaskOutcome
from s3batch_tui.core.operations.registry import build_operation
from s3batch_tui.core.s3 import AwsSettings, ClientFactory
from s3batch_tui.core.spec import JobOperation, LocalOptions

KEYS = ["plain.txt", "ü nicode/é space.txt", "a+b%20c%.txt", "double//slash", "/leading", "tilde~*'()!$&=,;:@"]
"""Keys that botocore encodes in every way there is: unicode, spaces, `+`, `%`, `//`, a leading `/`."""

PATHS = ("auto", "boto3")
"""RequestPath values: "auto" takes the lean path for covered members."""


_CLIENTS: dict[tuple, Any] = {}


def _client(server, secret=None, endpoint=None, token=None) -> tuple[Any, Any]:
    """(S3 client, client maker) as the engine makes them, one per setting for the whole session.

    A boto3 client takes ~0.1-0.5 s of CPU to make; the credentials and checksum setting
    it reads from the environment are part of the key.
    """
    endpoint = endpoint or server.endpoint_url
    secret = secret or server.secret_key
    key = (endpoint, server.access_key, secret, token, os.environ.get("AWS_REQUEST_CHECKSUM_CALCULATION"),
           os.environ.get("AWS_CONFIG_FILE"))
    if key not in _CLIENTS:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("AWS_ACCESS_KEY_ID", server.access_key)
            mp.setenv("AWS_SECRET_ACCESS_KEY", secret)
            if token:
                mp.setenv("AWS_SESSION_TOKEN", token)
            factory = ClientFactory(AwsSettings(endpoint_url=endpoint, region=server.region), 8)
            _CLIENTS[key] = (factory.client("s3"), factory.client)
    return _CLIENTS[key]


def built_both(server, operation: dict | JobOperation, secret=None, endpoint=None, token=None,
               **options) -> dict[str, Any]:  # fmt: skip
    """The runnable operation (a `{member: params}` document) on each request path, from one client.

    `secret`, `endpoint`, `token`: see `_client`; `options`: more LocalOptions fields.
    """
    s3, make_client = _client(server, secret, endpoint, token)
    job_operation = operation if isinstance(operation, JobOperation) else JobOperation.model_validate(operation)
    runnables = {}
    for path in PATHS:
        context = OperationContext(s3, "job", make_client, options=LocalOptions(request_path=path, **options))
        runnable = runnables[path] = build_operation(job_operation, context)
        lean = type(getattr(runnable, "operation", runnable)).__name__.startswith("Lean")
        assert lean == (path == "auto"), type(runnable)
    return runnables


def built(server, operation: dict, path: str, **kwargs) -> Any:
    """The runnable operation on request path `path` (see `built_both`)."""
    return built_both(server, operation, **kwargs)[path]


def new_bucket(s3, prefix: str, **create) -> str:
    """A fresh bucket (`create`: e.g. ObjectLockEnabledForBucket=True)."""
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=name, **create)
    return name


def entry(bucket: str, key: str, version: str | None = None, ordinal: int = 0) -> ManifestEntry:
    return ManifestEntry(ordinal=ordinal, bucket=bucket, key=key, version_id=version, raw_key=key)


def versioned_entries(s3, prefix: str) -> list[ManifestEntry]:
    """Entries for the first of two versions of "v key+%" (its body b"first") and for a version that does not exist."""
    versions = new_bucket(s3, prefix)
    s3.put_bucket_versioning(Bucket=versions, VersioningConfiguration={"Status": "Enabled"})
    version = s3.put_object(Bucket=versions, Key="v key+%", Body=b"first")["VersionId"]
    s3.put_object(Bucket=versions, Key="v key+%", Body=b"second")
    return [entry(versions, "v key+%", version), entry(versions, "v key+%", "nope-version")]


def signed_headers(headers) -> list[str]:
    """The SignedHeaders list of a request's Authorization header."""
    return headers["Authorization"].split("SignedHeaders=")[1].split(",")[0].split(";")


def _outcomes(runnable, entries, attempts: int) -> list[tuple[TaskOutcome, int]]:
    policy = RetryPolicy(max_attempts=attempts, base_delay=0.01)
    return [policy.execute(runnable, e) for e in entries]


def execute(server, operation: dict, path: str, entries, attempts: int = 3, **kwargs) -> list[tuple[TaskOutcome, int]]:
    """Each entry's (outcome, attempts) through the engine's retry policy, on request path `path`."""
    return _outcomes(built(server, operation, path, **kwargs), entries, attempts)


def run_both(server, operation: dict, entries, attempts: int = 3, **kwargs) -> dict[str, list[tuple[TaskOutcome, int]]]:
    """`execute` on each request path, for the same entries (a list) or each path's own (a dict by path)."""
    runnables = built_both(server, operation, **kwargs)
    return {path: _outcomes(runnables[path], entries[path] if isinstance(entries, dict) else entries, attempts)
            for path in PATHS}  # fmt: skip


def started(operation, entries):
    """Each entry's outcome through `start` (as the engine sends first attempts), all in flight at once."""
    import threading

    outcomes, all_done = {}, threading.Event()

    def done_for(index):
        def done(outcome):
            outcomes[index] = outcome
            if len(outcomes) == len(entries):
                all_done.set()

        return done

    for index, entry in enumerate(entries):
        operation.start(entry, done_for(index))
    assert all_done.wait(30), outcomes
    return [outcomes[i] for i in range(len(entries))]
