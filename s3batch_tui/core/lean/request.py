"""One operation's request, the same for every object of a job but its address, on the lean path."""

from __future__ import annotations

from typing import Any

from s3batch_tui.core.lean.addressing import key_path
from s3batch_tui.core.lean.crt_client import Answer
from s3batch_tui.core.lean.errors import ErrorParser
from s3batch_tui.core.lean.session import LeanS3
from s3batch_tui.core.lean.wire import object_wire
from s3batch_tui.core.manifest.entry import ManifestEntry


class LeanRequest:
    """Sends `operation` with the job's `arguments` to any entry's object (or exact version).

    A 2xx answer is returned; anything else raises the `ClientError` boto3 would raise,
    so the engine's retry classification, breaker and adaptive rate see the same thing.
    """

    def __init__(self, lean: LeanS3, operation: str, arguments: dict[str, Any]) -> None:
        self._lean = lean
        self._wire = object_wire(lean.client, operation, arguments)
        self._errors = ErrorParser(lean.client, operation)

    def send(self, entry: ManifestEntry) -> Answer:
        """The 2xx answer for the entry's object; raises ClientError otherwise."""
        wire = self._wire
        target = self._lean.addressing.target(entry.bucket)
        path = wire.path(target.prefix, key_path(entry.key), entry.version_id)
        answer = self._lean.sender.send(wire.method, target, path, list(wire.headers), wire.body, wire.body_sha256)
        if not 200 <= answer.status < 300:
            raise self._errors.client_error(answer.status, answer.headers, answer.body)
        return answer

    def response(self, entry: ManifestEntry) -> dict[str, Any]:
        """The answer as the `ResponseMetadata` of a boto3 response (what `version_checked` reads)."""
        answer = self.send(entry)
        return {"ResponseMetadata": {"HTTPStatusCode": answer.status, "HTTPHeaders": answer.headers}}
