"""`S3PutObjectRetention`: one PutObjectRetention per object.

AWS semantics (s3control `S3Retention`): `Mode` and `RetainUntilDate` together set the
retention; neither removes it (S3 allows that only for GOVERNANCE, with
`BypassGovernanceRetention`). One without the other is refused when the job is built,
as are `EventHold`/`EventHoldDuration`, which only AWS S3 Batch Operations applies.
A date without a time zone is UTC (botocore's rule).
"""

from __future__ import annotations

from typing import Any, ClassVar

from s3batch_tui.core.errors import InputError
from s3batch_tui.core.manifest.entry import ManifestEntry
from s3batch_tui.core.operations.base import OperationContext, TaskOutcome
from s3batch_tui.core.operations.tagging import object_address
from s3batch_tui.core.operations.versions import version_checked
from s3batch_tui.core.spec import PutObjectRetention

WHERE = "Operation.S3PutObjectRetention"


def retention_arguments(params: PutObjectRetention) -> dict[str, Any]:
    """The PutObjectRetention arguments that are the same for every object of the job.

    Raises:
        InputError: Mode without RetainUntilDate or the reverse, or an event hold;
            the error names the field path.
    """
    retention = params.retention
    for field in ("event_hold", "event_hold_duration"):
        if getattr(retention, field) is not None:
            alias = type(retention).model_fields[field].alias
            raise InputError(
                "event holds are applied only by AWS S3 Batch Operations; this job runs only on AWS",
                f"{WHERE}.Retention.{alias}",
                code="UnsupportedParameter",
            )
    both = "give both, or neither to remove retention"
    if retention.mode is not None and retention.retain_until_date is None:
        raise InputError(f"required with Mode ({both})", f"{WHERE}.Retention.RetainUntilDate")
    if retention.retain_until_date is not None and retention.mode is None:
        raise InputError(f"required with RetainUntilDate ({both})", f"{WHERE}.Retention.Mode")
    # An empty Retention is S3's way of removing retention.
    body = {"Mode": retention.mode, "RetainUntilDate": retention.retain_until_date} if retention.mode else {}
    args: dict[str, Any] = {"Retention": body}
    if params.bypass_governance_retention:
        args["BypassGovernanceRetention"] = True
    return args


class PutObjectRetentionOperation:
    """Set (or remove) the Object Lock retention of each object or exact version.

    Shortening or removing GOVERNANCE retention needs `BypassGovernanceRetention`;
    COMPLIANCE retention can only be extended. Either refusal, and a bucket without
    Object Lock, fail the task with the server's error; the job goes on.
    """

    name: ClassVar[str] = "S3PutObjectRetention"

    def __init__(self, params: PutObjectRetention, context: OperationContext) -> None:
        self._s3 = context.s3
        self.arguments = retention_arguments(params)

    def run(self, entry: ManifestEntry) -> TaskOutcome:
        """Put the retention on the entry's object (or exact version)."""
        return version_checked(entry, self._s3.put_object_retention(**object_address(entry), **self.arguments))
