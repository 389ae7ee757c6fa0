"""`LocalDeleteObject` (extension): delete objects or exact versions with DeleteObjects.

S3 Batch Operations has no delete (SPEC section 3). This operation is a batch operation:
the engine hands it up to 1,000 consecutive manifest entries, and it sends one
DeleteObjects call per bucket among them (DeleteObjects acts on one bucket). An entry
with a version id deletes exactly that version; one without deletes the current object
(on a versioned bucket S3 then writes a delete marker). Deleting a key that does not
exist succeeds: that is S3's behaviour, kept as is.

The same (key, version) listed twice in one batch is sent once; every entry that named it
gets the same outcome. A DeleteObjects call that fails as a whole (no such bucket,
access denied, connection error) fails only the entries of that bucket.

Per-key errors in a DeleteObjects answer carry a code and a message but no HTTP status:
the report shows the status S3 documents for that code (`KEY_ERROR_STATUS`), or 200
(the status of the answer that carried the error) for a code not listed. 5xx codes,
SlowDown and the other throttling codes are retryable, as for any task.
"""

from __future__ import annotations

from typing import Any, ClassVar

from botocore.exceptions import BotoCoreError, ClientError

from s3batch_tui.core.engine.retry import is_retryable, outcome_from_exception
from s3batch_tui.core.errors import InputError
from s3batch_tui.core.manifest.entry import ManifestEntry
from s3batch_tui.core.operations.base import OperationContext, TaskOutcome
from s3batch_tui.core.spec import LocalDeleteObject

WHERE = "Operation.LocalDeleteObject"
MAX_KEYS_PER_CALL = 1000
"""DeleteObjects takes at most 1,000 keys."""

KEY_ERROR_STATUS = {
    "AccessDenied": 403,  # also what Object Lock answers for a protected version
    "AllAccessDisabled": 403,
    "InvalidObjectState": 403,
    "InvalidArgument": 400,
    "InvalidRequest": 400,
    "MalformedXML": 400,
    "NoSuchBucket": 404,
    "NoSuchKey": 404,
    "NoSuchVersion": 404,
    "MethodNotAllowed": 405,
    "OperationAborted": 409,
    "PreconditionFailed": 412,
    "InternalError": 500,
    "NotImplemented": 501,
    "ServiceUnavailable": 503,
    "SlowDown": 503,
}
"""HTTP status reported for a DeleteObjects per-key error code (S3's status for that code)."""

UNLISTED_KEY_ERROR_STATUS = 200
"""Status reported for a per-key error code not in KEY_ERROR_STATUS: that of the answer."""

Address = tuple[str, str | None]  # (key, version id or None)


def key_error_outcome(error: dict[str, Any]) -> TaskOutcome:
    """The failed outcome of one `Errors[]` item of a DeleteObjects answer."""
    code = str(error.get("Code") or "UnknownError")
    status = KEY_ERROR_STATUS.get(code, UNLISTED_KEY_ERROR_STATUS)
    message = str(error.get("Message") or code)
    return TaskOutcome(False, status, code, message, retryable=is_retryable(status, code))


def deleted_outcome(item: dict[str, Any], version_id: str | None) -> TaskOutcome:
    """The succeeded outcome of one `Deleted[]` item, for an entry naming `version_id`."""
    if version_id is not None:
        marker = " (a delete marker)" if item.get("DeleteMarker") else ""
        return TaskOutcome(True, message=f"Deleted version {version_id}{marker}")
    if item.get("DeleteMarker"):
        marker_id = item.get("DeleteMarkerVersionId")
        return TaskOutcome(True, message=f"Deleted (delete marker {marker_id} created)" if marker_id
                           else "Deleted (delete marker created)")  # fmt: skip
    return TaskOutcome(True, message="Deleted")


NO_ANSWER = TaskOutcome(
    False, UNLISTED_KEY_ERROR_STATUS, "MissingDeleteResult",
    "DeleteObjects answered without a result for this key", retryable=True,
)  # fmt: skip
"""A key the answer did not mention: retried (deleting twice is harmless)."""


class LocalDeleteObjectOperation:
    """Delete the listed objects (or exact versions), one DeleteObjects call per bucket per batch.

    Raises (when built):
        InputError: neither `{"Confirmed": true}` in the job nor `--yes-delete` on the CLI.
    """

    name: ClassVar[str] = "LocalDeleteObject"
    batch_size: ClassVar[int] = MAX_KEYS_PER_CALL

    def __init__(self, params: LocalDeleteObject, context: OperationContext) -> None:
        if not (params.confirmed or context.delete_confirmed):
            raise InputError(
                'deleting needs confirmation: set {"LocalDeleteObject": {"Confirmed": true}} in the job file'
                " or pass --yes-delete",
                WHERE,
                code="DeleteNotConfirmed",
            )
        self._s3 = context.s3

    def run_batch(self, entries: list[ManifestEntry]) -> list[TaskOutcome]:
        """Delete every entry's object; one outcome per entry, in order."""
        # bucket -> (key, version) -> indexes of the entries naming it (duplicates share one)
        buckets: dict[str, dict[Address, list[int]]] = {}
        for index, entry in enumerate(entries):
            buckets.setdefault(entry.bucket, {}).setdefault((entry.key, entry.version_id), []).append(index)
        outcomes: list[TaskOutcome] = [NO_ANSWER] * len(entries)
        for bucket, objects in buckets.items():
            addresses = list(objects)
            for start in range(0, len(addresses), MAX_KEYS_PER_CALL):
                for address, outcome in self._delete(bucket, addresses[start : start + MAX_KEYS_PER_CALL]).items():
                    for index in objects[address]:
                        outcomes[index] = outcome
        return outcomes

    def run(self, entry: ManifestEntry) -> TaskOutcome:
        """Delete one entry's object (a batch of one)."""
        return self.run_batch([entry])[0]

    def _delete(self, bucket: str, addresses: list[Address]) -> dict[Address, TaskOutcome]:
        objects = [{"Key": key, "VersionId": version} if version else {"Key": key} for key, version in addresses]
        try:
            answer = self._s3.delete_objects(Bucket=bucket, Delete={"Objects": objects, "Quiet": False})
        except (ClientError, BotoCoreError) as exc:  # the whole call failed: this bucket's entries get it
            failed = outcome_from_exception(exc)
            return dict.fromkeys(addresses, failed)
        wanted = set(addresses)
        results: dict[Address, TaskOutcome] = {}
        for item in answer.get("Deleted") or []:
            address = _match(item, wanted)
            if address is not None:
                results[address] = deleted_outcome(item, address[1])
        for item in answer.get("Errors") or []:
            address = _match(item, wanted)
            if address is not None:
                results[address] = key_error_outcome(item)
        return {address: results.get(address, NO_ANSWER) for address in addresses}


def _match(item: dict[str, Any], wanted: set[Address]) -> Address | None:
    """Which requested (key, version) an answer item is about.

    An item for a request without a version id may still carry one (a server naming the
    version it removed): it then belongs to the version-less request for that key.
    """
    key, version = item.get("Key"), item.get("VersionId") or None
    if (key, version) in wanted:
        return key, version
    if (key, None) in wanted:
        return key, None
    return None
