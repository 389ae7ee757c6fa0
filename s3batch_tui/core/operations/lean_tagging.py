"""`S3PutObjectTagging` and `S3DeleteObjectTagging` on the lean path (same requests as boto3).

An answer of 2xx is success (checked against the manifest's version as on the boto3
path); anything else becomes the `ClientError` boto3 would raise, so the engine's
retry classification, breaker and adaptive rate see the same thing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from s3batch_tui.core.engine.retry import outcome_from_exception
from s3batch_tui.core.lean.addressing import key_path
from s3batch_tui.core.lean.crt_client import Answer
from s3batch_tui.core.lean.errors import ErrorParser
from s3batch_tui.core.lean.session import LeanS3
from s3batch_tui.core.lean.wire import Wire, delete_tagging_wire, put_tagging_wire
from s3batch_tui.core.manifest.entry import ManifestEntry
from s3batch_tui.core.operations.base import OperationContext, TaskOutcome
from s3batch_tui.core.operations.versions import version_checked
from s3batch_tui.core.spec import DeleteObjectTagging, PutObjectTagging


class _LeanTagging:
    """Sends one `Wire` request per entry through a `LeanS3`."""

    _operation: ClassVar[str]

    def __init__(self, lean: LeanS3, wire: Wire) -> None:
        self._lean = lean
        self._wire = wire
        self._errors = ErrorParser(lean.client, self._operation)

    def run(self, entry: ManifestEntry) -> TaskOutcome:
        """Apply the operation to the entry's object (or exact version)."""
        answer = self._lean.sender.send(*self._request(entry))
        if not 200 <= answer.status < 300:
            raise self._errors.client_error(answer.status, answer.headers, answer.body)
        return self._succeeded(entry, answer)

    def start(self, entry: ManifestEntry, done: Callable[[TaskOutcome], None]) -> None:
        """Send the request now; `done` gets the outcome `run` would give (on awscrt's thread)."""

        def finished(answer: Answer | None, error: BaseException | None) -> None:
            if answer is None:
                done(outcome_from_exception(error))
            elif not 200 <= answer.status < 300:
                done(outcome_from_exception(self._errors.client_error(answer.status, answer.headers, answer.body)))
            else:
                done(self._succeeded(entry, answer))

        self._lean.sender.start(*self._request(entry), finished)

    def _request(self, entry: ManifestEntry) -> tuple:
        wire = self._wire
        target = self._lean.addressing.target(entry.bucket)
        path = wire.path(target.prefix, key_path(entry.key), entry.version_id)
        return wire.method, target, path, list(wire.headers), wire.body, wire.body_sha256

    @staticmethod
    def _succeeded(entry: ManifestEntry, answer: Answer) -> TaskOutcome:
        return version_checked(entry, {"ResponseMetadata": {"HTTPStatusCode": answer.status,
                                                            "HTTPHeaders": answer.headers}})  # fmt: skip


class LeanPutObjectTaggingOperation(_LeanTagging):
    """Replace the object's whole tag set (lean path)."""

    name: ClassVar[str] = "S3PutObjectTagging"
    _operation = "PutObjectTagging"

    def __init__(self, params: PutObjectTagging, context: OperationContext, lean: LeanS3) -> None:
        tag_set = [{"Key": tag.key, "Value": tag.value} for tag in params.tag_set]
        super().__init__(lean, put_tagging_wire(lean.client, tag_set))


class LeanDeleteObjectTaggingOperation(_LeanTagging):
    """Remove every tag from the object (lean path)."""

    name: ClassVar[str] = "S3DeleteObjectTagging"
    _operation = "DeleteObjectTagging"

    def __init__(self, params: DeleteObjectTagging, context: OperationContext, lean: LeanS3) -> None:
        super().__init__(lean, delete_tagging_wire())
