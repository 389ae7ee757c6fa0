"""`S3PutObjectLegalHold`: one PutObjectLegalHold per object (Status ON or OFF)."""

from __future__ import annotations

from typing import Any, ClassVar

from s3batch_tui.core.manifest.entry import ManifestEntry
from s3batch_tui.core.operations.base import OperationContext, TaskOutcome
from s3batch_tui.core.operations.tagging import object_address
from s3batch_tui.core.operations.versions import version_checked
from s3batch_tui.core.spec import PutObjectLegalHold


def legal_hold_arguments(params: PutObjectLegalHold) -> dict[str, Any]:
    """PutObjectLegalHold's `LegalHold` argument, the same for every object of the job."""
    return {"LegalHold": {"Status": params.legal_hold.status}}


class PutObjectLegalHoldOperation:
    """Set (ON) or clear (OFF) the legal hold of each object or exact version.

    The bucket must have Object Lock enabled; otherwise each task fails with the
    server's own error (AWS: 400 InvalidRequest), and the job goes on.
    """

    name: ClassVar[str] = "S3PutObjectLegalHold"

    def __init__(self, params: PutObjectLegalHold, context: OperationContext) -> None:
        self._s3 = context.s3
        self.arguments = legal_hold_arguments(params)

    def run(self, entry: ManifestEntry) -> TaskOutcome:
        """Put the legal hold status on the entry's object (or exact version)."""
        return version_checked(entry, self._s3.put_object_legal_hold(**object_address(entry), **self.arguments))
