"""One operation's request, the same for every object of a job but its address, on the lean path."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from s3batch_tui.core.lean.addressing import key_path
from s3batch_tui.core.lean.crt_client import Answer
from s3batch_tui.core.lean.errors import ErrorParser
from s3batch_tui.core.lean.session import LeanS3
from s3batch_tui.core.lean.wire import object_wire
from s3batch_tui.core.manifest.entry import ManifestEntry


class RegionRedirect(Exception):
    """The bucket answers from another region: boto3's redirector takes its requests from now on."""


def _region_redirect(status: int, error: dict[str, Any]) -> bool:
    """The answers botocore's `S3RegionRedirectorv2` follows (for object operations)."""
    code = error.get("Code")
    return (
        status in (301, 302, 307)
        or code in ("PermanentRedirect", "IllegalLocationConstraintException")
        or (code == "AuthorizationHeaderMalformed" and "Region" in error)
    )


class LeanRequest:
    """Sends `operation` with the job's `arguments` to any entry's object (or exact version).

    A 2xx answer is returned; anything else raises the `ClientError` boto3 would raise,
    so the engine's retry classification, breaker and adaptive rate see the same thing.
    A bucket in another region raises `RegionRedirect` once and is then `redirected`:
    its tasks go to boto3, which finds the bucket's region as it always does.
    """

    def __init__(self, lean: LeanS3, operation: str, arguments: dict[str, Any]) -> None:
        self._lean = lean
        self._wire = object_wire(lean.client, operation, arguments)
        self._errors = ErrorParser(lean.client, operation)
        self._redirected: set[str] = set()
        self._lock = threading.Lock()

    def redirected(self, bucket: str) -> bool:
        """Whether the bucket's requests go to boto3 (it answered from another region)."""
        return bucket in self._redirected

    def send(self, entry: ManifestEntry) -> Answer:
        """The 2xx answer for the entry's object; raises ClientError or RegionRedirect otherwise."""
        return self._checked(entry, self._lean.sender.send(*self._parts(entry)))

    def start(self, entry: ManifestEntry, finished: Callable[[dict[str, Any] | None, BaseException | None], None]
              ) -> None:  # fmt: skip
        """Send now; `finished` gets what `response` would return, or what it would raise (on awscrt's thread)."""

        def answered(answer: Answer | None, error: BaseException | None) -> None:
            if answer is None:
                finished(None, error)
                return
            try:
                response = _metadata(self._checked(entry, answer))
            except Exception as exc:  # noqa: BLE001 - ClientError or RegionRedirect, handed on as `response` raises it
                finished(None, exc)
            else:
                finished(response, None)

        self._lean.sender.start(*self._parts(entry), answered)

    def _parts(self, entry: ManifestEntry) -> tuple:
        """The sender's arguments for the entry's object: method, target, path, headers, body, body hash."""
        wire = self._wire
        target = self._lean.addressing.target(entry.bucket)
        path = wire.path(target.prefix, key_path(entry.key), entry.version_id)
        return wire.method, target, path, list(wire.headers), wire.body, wire.body_sha256

    def _checked(self, entry: ManifestEntry, answer: Answer) -> Answer:
        """The answer if 2xx; else raise the ClientError boto3 would raise, or RegionRedirect."""
        if 200 <= answer.status < 300:
            return answer
        error = self._errors.client_error(answer.status, answer.headers, answer.body)
        if _region_redirect(answer.status, error.response.get("Error", {})):
            with self._lock:
                self._redirected.add(entry.bucket)
            raise RegionRedirect(entry.bucket) from error
        raise error

    def response(self, entry: ManifestEntry) -> dict[str, Any]:
        """The answer as the `ResponseMetadata` of a boto3 response (what `version_checked` reads)."""
        return _metadata(self.send(entry))


def _metadata(answer: Answer) -> dict[str, Any]:
    return {"ResponseMetadata": {"HTTPStatusCode": answer.status, "HTTPHeaders": answer.headers}}
