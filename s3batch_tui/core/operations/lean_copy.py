"""`S3PutObjectCopy` on the lean path: CopyObject and HeadObject sent as boto3 sends them.

Everything but the two per-object calls is `PutObjectCopyOperation`'s: the checks when
the job is built, the HeadObject-first rule below the multipart threshold, and the
multipart copy (boto3) for objects CopyObject refuses for their size.

- The request headers are boto3's own, captured once per job (`lean.template`); each
  request adds only its address and `x-amz-copy-source`, encoded by botocore's handler.
- An answer of 200 whose body is an `<Error>` (or not XML at all: a copy cut short) is
  what boto3 turns into a 500 before parsing; so does this path, with botocore's own
  test, so the report and the retry classification are the same.
- HeadObject only decides whether an object goes to parts: its size is read from the
  answer's Content-Length; a multipart copy asks boto3 for the whole HeadObject answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from botocore.exceptions import ClientError
from botocore.handlers import _looks_like_special_case_error, _quote_source_header_from_dict

from s3batch_tui.core.engine.retry import outcome_from_exception
from s3batch_tui.core.lean.addressing import key_path, version_query
from s3batch_tui.core.lean.crt_client import Answer, Done
from s3batch_tui.core.lean.errors import ErrorParser
from s3batch_tui.core.lean.session import LeanS3
from s3batch_tui.core.lean.template import capture
from s3batch_tui.core.lean.wire import EMPTY_SHA256
from s3batch_tui.core.manifest.entry import ManifestEntry
from s3batch_tui.core.operations.base import OperationContext, TaskOutcome
from s3batch_tui.core.operations.copy import PutObjectCopyOperation, destination_key, is_too_large_for_copy_object
from s3batch_tui.core.operations.versions import version_checked
from s3batch_tui.core.spec import PutObjectCopy

_PLACEHOLDER_BUCKET = "s3batch-lean-template"
_PLACEHOLDER_SOURCE = {"Bucket": _PLACEHOLDER_BUCKET, "Key": "source"}


class LeanPutObjectCopyOperation(PutObjectCopyOperation):
    """Copy each object (or exact version) like `PutObjectCopyOperation`, on the lean path."""

    name: ClassVar[str] = "S3PutObjectCopy"

    def __init__(self, params: PutObjectCopy, context: OperationContext, lean: LeanS3) -> None:
        super().__init__(params, context)
        self._lean = lean
        bucket = self._target_bucket or _PLACEHOLDER_BUCKET
        copy_params = {"Bucket": bucket, "CopySource": _PLACEHOLDER_SOURCE, **self._copy_args}
        self._copy = capture(lean.client, "copy_object", copy_params, drop=frozenset({"x-amz-copy-source"}))
        self._head = capture(lean.client, "head_object", {"Bucket": bucket, **self._payer})
        self._copy_errors = ErrorParser(lean.client, "CopyObject")
        if not self._head_first:  # one CopyObject per object: the engine can start it without a thread
            self.start = self._start

    def _start(self, entry: ManifestEntry, done: Callable[[TaskOutcome | None], None]) -> None:
        """CopyObject sent now; `done` gets `run`'s outcome, or None for an object too large for
        CopyObject (`run` then copies it in parts)."""
        source = {"Bucket": entry.bucket, "Key": entry.key}
        if entry.version_id:
            source["VersionId"] = entry.version_id
        bucket = self._target_bucket or entry.bucket

        def finished(answer: Answer | None, error: BaseException | None) -> None:
            if answer is None:
                done(outcome_from_exception(error))
                return
            try:
                copied = self._copied(answer)
            except ClientError as exc:
                done(None if is_too_large_for_copy_object(exc) else outcome_from_exception(exc))
                return
            done(version_checked(entry, copied, copy_source=True))

        self._send(self._copy.method, bucket, destination_key(entry.key, self._prefix), "", self._copy_headers(source),
                   finished)  # fmt: skip

    def _send(self, method: str, bucket: str, key: str, query: str, headers: list[tuple[str, str]],
              done: Done | None = None) -> Any:  # fmt: skip
        """The answer (blocking), or, given `done`, the request started and `done` called with it."""
        target = self._lean.addressing.target(bucket)
        path = f"{target.prefix}{key_path(key)}{query}"
        if done is not None:
            return self._lean.sender.start(method, target, path, headers, b"", EMPTY_SHA256, done)
        return self._lean.sender.send(method, target, path, headers, b"", EMPTY_SHA256)

    def _copy_headers(self, source: dict[str, str]) -> list[tuple[str, str]]:
        return [("x-amz-copy-source", _quote_source_header_from_dict(source)), *self._copy.headers]

    def _copy_object(self, bucket: str, key: str, source: dict[str, str]) -> dict[str, Any]:
        return self._copied(self._send(self._copy.method, bucket, key, "", self._copy_headers(source)))

    def _copied(self, answer: Answer) -> dict[str, Any]:
        """CopyObject's response as boto3 gives it, or the ClientError boto3 raises."""
        status = answer.status
        if status == 200 and _looks_like_special_case_error(status, answer.body):
            status = 500  # botocore's rule: an error inside a 200 is a 500
        if not 200 <= status < 300:
            raise self._copy_errors.client_error(status, answer.headers, answer.body)
        return {"ResponseMetadata": {"HTTPStatusCode": status, "HTTPHeaders": answer.headers}}

    def _head_or_none(self, source: dict[str, str]) -> dict[str, Any] | None:
        answer = self._send(self._head.method, source["Bucket"], source["Key"], version_query(source.get("VersionId")),
                            list(self._head.headers))  # fmt: skip
        if not 200 <= answer.status < 300:
            return None  # as on boto3's path: CopyObject then fails with S3's own words
        return {"ContentLength": int(answer.headers["content-length"])}

    def _full_head(self, source: dict[str, str], head: dict[str, Any] | None) -> dict[str, Any]:
        return super()._full_head(source, None)  # the lean head holds only the size
