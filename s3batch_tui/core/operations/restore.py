"""`S3InitiateRestoreObject`: one RestoreObject per object; a task succeeds once initiated.

Decisions (SPEC section 3, AWS docs of `S3InitiateRestoreObjectOperation`):
- 202 (restore started) succeeds with "Restore initiated"; 200 (a restored copy
  already exists: S3 resets its expiry) succeeds with "Already restored ...".
- 409 `RestoreAlreadyInProgress` succeeds with "Restore already in progress": what
  the task is for has happened, and a resumed job (tasks run at least once) must not
  report a restore it started itself as failed. (AWS fails such tasks when the tier
  is not faster than the running restore's.)
- `GlacierJobTier` BULK/STANDARD becomes `GlacierJobParameters.Tier`; left out, no
  tier is sent and S3 uses its default (Standard).
- `ExpirationInDays`: Glacier Flexible Retrieval and Deep Archive need 1 or more;
  Intelligent-Tiering archive tiers need it absent. 0 suits neither and is refused
  when the job is built. Without it, each object's class is checked first (one
  HeadObject): a GLACIER or DEEP_ARCHIVE object fails with `MissingExpirationInDays`
  instead of being restored with no expiry by lenient servers.
- An object in no archive class fails with S3's error (`InvalidObjectState`).
"""

from __future__ import annotations

from typing import Any, ClassVar

from botocore.exceptions import ClientError

from s3batch_tui.core.errors import InputError
from s3batch_tui.core.manifest.entry import ManifestEntry
from s3batch_tui.core.operations.base import OperationContext, TaskOutcome
from s3batch_tui.core.operations.tagging import object_address
from s3batch_tui.core.spec import InitiateRestoreObject

WHERE = "Operation.S3InitiateRestoreObject"
GLACIER_CLASSES = frozenset({"GLACIER", "DEEP_ARCHIVE"})
"""Storage classes whose restores need ExpirationInDays."""

RESTORE_INITIATED = TaskOutcome(succeeded=True, message="Restore initiated")
RESTORE_IN_PROGRESS = TaskOutcome(succeeded=True, message="Restore already in progress")
MISSING_DAYS_CODE = "MissingExpirationInDays"

_TIERS = {"BULK": "Bulk", "STANDARD": "Standard"}


def restore_request(params: InitiateRestoreObject) -> dict[str, Any]:
    """The RestoreObject `RestoreRequest` that is the same for every object of the job.

    Raises:
        InputError: ExpirationInDays is 0.
    """
    if params.expiration_in_days == 0:
        raise InputError(
            "must be 1 or more (S3 Glacier Flexible Retrieval, Deep Archive), "
            "or left out (S3 Intelligent-Tiering archive tiers)",
            f"{WHERE}.ExpirationInDays",
        )
    request: dict[str, Any] = {}
    if params.expiration_in_days is not None:
        request["Days"] = params.expiration_in_days
    if params.glacier_job_tier is not None:
        request["GlacierJobParameters"] = {"Tier": _TIERS[params.glacier_job_tier]}
    return request


class InitiateRestoreObjectOperation:
    """Initiate the restore of each archived object (or exact version)."""

    name: ClassVar[str] = "S3InitiateRestoreObject"

    def __init__(self, params: InitiateRestoreObject, context: OperationContext) -> None:
        self._s3 = context.s3
        self.arguments = {"RestoreRequest": restore_request(params)}
        self._days = params.expiration_in_days

    def run(self, entry: ManifestEntry) -> TaskOutcome:
        """Ask S3 to restore the entry's object; see the module docstring for outcomes."""
        if self._days is None and (storage_class := self._glacier_class(entry)):
            return TaskOutcome(
                False, 400, MISSING_DAYS_CODE,
                f"the object is in {storage_class}: restoring it needs ExpirationInDays of 1 or more "
                f"({WHERE}.ExpirationInDays is left out, as S3 Intelligent-Tiering archive tiers need)",
            )  # fmt: skip
        try:
            status = self._initiate(entry)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "RestoreAlreadyInProgress":
                return RESTORE_IN_PROGRESS
            raise
        if status == 200:
            expiry = f" (its expiry is now {self._days} day(s) from today)" if self._days else ""
            return TaskOutcome(succeeded=True, message=f"Already restored{expiry}")
        return RESTORE_INITIATED

    def _initiate(self, entry: ManifestEntry) -> int:
        """Send RestoreObject for the entry; the HTTP status of its answer (202 or 200)."""
        response = self._s3.restore_object(**object_address(entry), **self.arguments)
        return response["ResponseMetadata"]["HTTPStatusCode"]

    def _storage_class(self, entry: ManifestEntry) -> str | None:
        """HeadObject's StorageClass for the entry's object (None: STANDARD)."""
        return self._s3.head_object(**object_address(entry)).get("StorageClass")

    def _glacier_class(self, entry: ManifestEntry) -> str | None:
        """The object's class when it is GLACIER or DEEP_ARCHIVE, else None.

        A 403/404 is left for RestoreObject to report with its own error code (HEAD
        answers carry none); other errors propagate, to be retried or reported.
        """
        try:
            storage_class = self._storage_class(entry)
        except ClientError as exc:
            if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") in (403, 404):
                return None
            raise
        return storage_class if storage_class in GLACIER_CLASSES else None
