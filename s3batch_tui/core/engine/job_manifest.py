"""Where a job's tasks come from: its own manifest, or the list its generator wrote."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from s3batch_tui.core.manifest.entry import ManifestEntry
from s3batch_tui.core.manifest.generator import GeneratedManifest, generate_manifest
from s3batch_tui.core.manifest.open import open_manifest
from s3batch_tui.core.manifest.unchanged import verify_unchanged
from s3batch_tui.core.spec import JobSpec, Manifest


class JobManifest:
    """A job's manifest, opened through the retrying S3 client `s3()`.

    Args:
        spec: the job.
        job_dir: the job's directory (a generator's list lives there, so a resume reads it).
        job_id: the job's id (named in the generator's output).
        s3: makes the retrying client for manifest reads and listing.
    """

    def __init__(self, spec: JobSpec, job_dir: Path, job_id: str, s3: Callable[[], Any]) -> None:
        self.spec = spec
        self.generated_path = job_dir / "generated-manifest.csv"
        self.job_id = job_id
        self._s3 = s3

    def generate(self) -> GeneratedManifest | None:
        """List the source bucket once, into a local CSV that the run (and a resume) reads."""
        if not self.spec.manifest_generator:
            return None
        generator = self.spec.manifest_generator.s3_job_manifest_generator
        return generate_manifest(generator, self._s3(), self.generated_path, self.job_id)

    def manifest(self) -> Manifest:
        """The manifest the tasks come from: the job's own, or the one generated for it."""
        if self.spec.manifest is not None:
            return self.spec.manifest
        return Manifest.model_validate({
            "Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]},
            "Location": {"ObjectArn": f"file://{self.generated_path}"},
        })  # fmt: skip

    def open(self):
        """The manifest source, for validating it while Preparing."""
        return open_manifest(self.manifest(), self._s3())

    def entries(self, identity: dict[str, Any], resume_point: tuple | None) -> Iterator[ManifestEntry]:
        """The entries from `resume_point` on, once the manifest is shown unchanged since Preparing."""
        manifest = self.manifest()
        verify_unchanged(manifest.location, identity)
        source = open_manifest(manifest, self._s3())
        return source.entries(start=resume_point[1], start_ordinal=resume_point[0]) if resume_point else source.entries()
