"""A new job over the failed tasks of an ended one (`job retry-failed`, the TUI's `R`)."""

from __future__ import annotations

import csv
import uuid

from s3batch_tui.core.create import create_job
from s3batch_tui.core.errors import JobStateError
from s3batch_tui.core.spec import JobSpec
from s3batch_tui.core.store import Store
from s3batch_tui.settings import Settings


def create_retry_job(store: Store, settings: Settings, source_id: str) -> str:
    """Write the failed tasks as a local CSV manifest and store a job over it; returns its id.

    The new job keeps the source's operation, report settings and options.
    """
    source = store.get(source_id)
    if not source.status.is_terminal:
        raise JobStateError(f"job {source.id} is {source.status}; retry its failed tasks once it has ended")
    failures = list(store.failures(source.id))
    if not failures:
        raise JobStateError(f"job {source.id} has no failed tasks")
    new_id = str(uuid.uuid4())
    manifest_path = settings.job_dir(new_id) / "retry-manifest.csv"
    manifest_path.parent.mkdir(parents=True, exist_ok=True)
    # A manifest gives version ids on every row or none, so its failures do too.
    with_versions = failures[0].version_id is not None
    with manifest_path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, lineterminator="\n")
        for failure in failures:
            row = [failure.bucket, failure.raw_key]
            writer.writerow(row + [failure.version_id] if with_versions else row)
    data = source.spec.to_json_dict()
    data.pop("ClientRequestToken", None)
    data.pop("ManifestGenerator", None)
    data["Manifest"] = {
        "Spec": {
            "Format": "S3BatchOperations_CSV_20180820",
            "Fields": ["Bucket", "Key", "VersionId"] if with_versions else ["Bucket", "Key"],
        },
        "Location": {"ObjectArn": f"file://{manifest_path}"},
    }
    data["Description"] = f"Retry of {len(failures)} failed tasks of job {source.id}"[:256]
    return create_job(store, JobSpec.model_validate(data), new_id)
