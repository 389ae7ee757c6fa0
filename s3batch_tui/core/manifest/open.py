"""Picking the manifest reader for a job's `Manifest` by its `Spec.Format`."""

from __future__ import annotations

from typing import Any

from s3batch_tui.core.manifest.csv_source import CsvManifest
from s3batch_tui.core.manifest.inventory import InventoryManifest
from s3batch_tui.core.manifest.scan import StreamingSource
from s3batch_tui.core.spec import Manifest


def open_manifest(manifest: Manifest, s3_client: Any = None) -> StreamingSource:
    """The reader for `manifest` (a `ManifestSource`, plus `scan()` for many errors at once).

    Nothing is read yet: opening errors (missing object, ETag mismatch) surface from
    `entries()`, `validate()` or `scan()`. `s3_client` may be None for `file://` manifests.
    """
    if manifest.spec.format == "S3InventoryReport_CSV_20161130":
        return InventoryManifest(manifest.location, s3_client)
    return CsvManifest(manifest.location, manifest.spec.fields, s3_client)
