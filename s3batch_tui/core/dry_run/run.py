"""The dry run: what a job would do, predicted without changing or storing anything.

Preflight (without the report write test), one pass over the manifest (count, sample,
collisions), a HEAD of each sampled object, bucket-wide checks, then estimates: the
AWS fee and the local run time from the measured per-request latency.
"""

from __future__ import annotations

import statistics
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from s3batch_tui.core.dry_run.manifest_pass import ManifestPass, pass_manifest
from s3batch_tui.core.dry_run.probe import Finding, Probe, probe_buckets, probe_objects
from s3batch_tui.core.manifest.entry import ManifestEntry
from s3batch_tui.core.manifest.generator import generate_manifest
from s3batch_tui.core.manifest.open import open_manifest
from s3batch_tui.core.operations.copy import destination_key
from s3batch_tui.core.preflight import preflight
from s3batch_tui.core.pricing import aws_job_fee
from s3batch_tui.core.s3 import ClientFactory
from s3batch_tui.core.spec import JobSpec, Manifest, bucket_from_arn

DRY_RUN_ID = "dry-run"
"""Stands in for a job id where one is needed (the generator's scratch file names)."""


@dataclass
class DryRunResult:
    """What a dry run found.

    Attributes:
        total_tasks: tasks in the manifest (exact).
        checked: objects HEADed.
        findings: by code; see `probe.Finding` (per-object counts are over `checked`).
        collisions: entries mapping to a key an earlier entry already maps to (exact
            over the first `collision_checked` entries); `collision_title` says what that means.
        aws_fee: what AWS Batch Operations would charge for the job (request charges apart).
        latency: median HEAD latency in seconds (None when nothing answered).
        seconds: the estimated local run time at `workers` threads (and the job's rate limit).
    """

    operation: str
    total_tasks: int
    checked: int
    findings: dict[str, Finding]
    collisions: int
    collision_examples: list[str]
    collision_checked: int
    collision_title: str
    aws_fee: Decimal
    latency: float | None
    seconds: float | None
    workers: int

    def estimate(self, finding: Finding) -> int:
        """The finding's count scaled from the sample to every task."""
        if finding.exact or not self.checked:
            return finding.count
        return round(finding.count * self.total_tasks / self.checked)


def dry_run(spec: JobSpec, clients: ClientFactory, sample: int | None = 100, workers: int = 16) -> DryRunResult:
    """Predict `spec`'s outcome; `sample` objects are HEADed (None: every one).

    Raises:
        InputError: the job cannot run here (preflight) or its manifest is malformed.
    """
    preflight(spec, clients, DRY_RUN_ID, write_test=False)
    s3 = clients.client("s3")
    with tempfile.TemporaryDirectory(prefix="s3batch-dry-run-") as scratch:
        manifest = spec.manifest or _generated_manifest(spec, s3, Path(scratch) / "generated.csv")
        source = open_manifest(manifest, s3)
        source.validate()  # the whole manifest is well-formed, as Preparing would require
        key_of, collision_title = _collision_rule(spec)
        seen, entries = pass_manifest(source.entries(), sample, key_of)
        if sample is None:
            probe = probe_objects(s3, spec, entries, workers)
        else:
            for _ in entries:
                pass
            probe = probe_objects(s3, spec, seen.sample, workers)
    probe_buckets(s3, spec, seen, probe)
    return _result(spec, seen, probe, collision_title, workers)


def _generated_manifest(spec: JobSpec, s3, path: Path) -> Manifest:
    """List the generator's source into a scratch CSV; its ManifestOutputLocation is not written."""
    generator = spec.manifest_generator.s3_job_manifest_generator.model_copy(
        update={"enable_manifest_output": False, "manifest_output_location": None}
    )
    generate_manifest(generator, s3, path, DRY_RUN_ID)
    return Manifest.model_validate({
        "Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]},
        "Location": {"ObjectArn": f"file://{path}"},
    })  # fmt: skip


def _collision_rule(spec: JobSpec):
    """What must be unique per task: a copy's target key, else the object (or version) itself."""
    copy = spec.operation.s3_put_object_copy
    if copy is not None:
        target = bucket_from_arn(copy.target_resource) if copy.target_resource else None

        def target_key(entry: ManifestEntry) -> str:
            return f"s3://{target or entry.bucket}/{destination_key(entry.key, copy.target_key_prefix)}"

        return target_key, "copies that go to the same target key (the later copy overwrites the earlier)"

    def same_object(entry: ManifestEntry) -> str:
        return f"s3://{entry.bucket}/{entry.key}" + (f"?versionId={entry.version_id}" if entry.version_id else "")

    return same_object, "objects listed more than once (each gets the operation again)"


def _result(spec: JobSpec, seen: ManifestPass, probe: Probe, collision_title: str, workers: int) -> DryRunResult:
    latency = statistics.median(probe.latencies) if probe.latencies else None
    seconds = None
    if latency is not None:
        seconds = seen.total * latency / max(1, workers)
        rate = spec.options.max_operations_per_second
        if rate:
            seconds = max(seconds, seen.total / rate)
    return DryRunResult(
        operation=spec.operation.name, total_tasks=seen.total, checked=probe.checked, findings=probe.findings,
        collisions=seen.collisions, collision_examples=seen.collision_examples,
        collision_checked=seen.collision_checked, collision_title=collision_title,
        aws_fee=aws_job_fee(seen.total), latency=latency, seconds=seconds, workers=workers,
    )  # fmt: skip
