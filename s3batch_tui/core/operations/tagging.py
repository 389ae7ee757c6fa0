"""`S3PutObjectTagging` and `S3DeleteObjectTagging`: one tagging call per object."""

from __future__ import annotations

from typing import Any, ClassVar

from s3batch_tui.core.manifest.entry import ManifestEntry
from s3batch_tui.core.operations.base import OperationContext, TaskOutcome
from s3batch_tui.core.operations.versions import version_checked
from s3batch_tui.core.spec import DeleteObjectTagging, PutObjectTagging


def object_address(entry: ManifestEntry) -> dict[str, str]:
    """The Bucket/Key(/VersionId) arguments that name the entry's object."""
    address = {"Bucket": entry.bucket, "Key": entry.key}
    if entry.version_id:
        address["VersionId"] = entry.version_id
    return address


def tagging_arguments(params: PutObjectTagging) -> dict[str, Any]:
    """PutObjectTagging's `Tagging` argument: the same tag set for every object of the job."""
    return {"Tagging": {"TagSet": [{"Key": tag.key, "Value": tag.value} for tag in params.tag_set]}}


class PutObjectTaggingOperation:
    """Replace the object's whole tag set with `TagSet` (an empty set removes all tags)."""

    name: ClassVar[str] = "S3PutObjectTagging"

    def __init__(self, params: PutObjectTagging, context: OperationContext) -> None:
        self._s3 = context.s3
        self.arguments = tagging_arguments(params)

    def run(self, entry: ManifestEntry) -> TaskOutcome:
        """Put the tag set on the entry's object (or exact version)."""
        return version_checked(entry, self._s3.put_object_tagging(**object_address(entry), **self.arguments))


class DeleteObjectTaggingOperation:
    """Remove every tag from the object."""

    name: ClassVar[str] = "S3DeleteObjectTagging"
    arguments: ClassVar[dict[str, Any]] = {}

    def __init__(self, params: DeleteObjectTagging, context: OperationContext) -> None:
        self._s3 = context.s3

    def run(self, entry: ManifestEntry) -> TaskOutcome:
        """Delete the tags of the entry's object (or exact version).

        S3 answers 204; the report still says 200 "Successful", as for every succeeded task.
        """
        return version_checked(entry, self._s3.delete_object_tagging(**object_address(entry)))
