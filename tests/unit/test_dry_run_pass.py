"""The dry run's manifest pass: counts, a bounded uniform sample, collisions within a memory cap."""

from __future__ import annotations

from collections import Counter

from s3batch_tui.core.dry_run import manifest_pass
from s3batch_tui.core.dry_run.manifest_pass import pass_manifest
from s3batch_tui.core.manifest.entry import ManifestEntry


def entries(count: int, bucket: str = "bkt", version: str | None = None):
    return (ManifestEntry(i, bucket, f"k{i % 50}", version, f"k{i % 50}") for i in range(count))


def by_key(entry: ManifestEntry) -> str:
    return entry.key


def test_every_entry_is_counted_and_the_sample_is_bounded():
    seen, walk = pass_manifest(entries(1000, version="v1"), 10, by_key)
    assert list(walk) == []  # sampling: nothing streams through
    assert seen.total == 1000 and len(seen.sample) == 10
    assert seen.buckets == Counter({"bkt": 1000}) and seen.versioned_buckets == Counter({"bkt": 1000})
    assert seen.collisions == 950 and len(seen.collision_examples) == 5
    assert seen.collision_examples[0] == "s3://bkt/k0?versionId=v1 and s3://bkt/k0?versionId=v1 both go to k0"


def test_the_sample_is_spread_over_the_whole_manifest():
    seen, walk = pass_manifest(entries(10_000), 200, by_key, seed=7)
    list(walk)
    ordinals = sorted(e.ordinal for e in seen.sample)
    assert sum(o >= 5_000 for o in ordinals) > 60  # about half from the second half, not the first 200 rows


def test_without_a_sample_every_entry_streams_through():
    seen, walk = pass_manifest(entries(30), None, by_key)
    assert [e.ordinal for e in walk] == list(range(30)) and seen.sample == [] and seen.total == 30


def test_collisions_are_checked_only_up_to_the_cap(monkeypatch):
    monkeypatch.setattr(manifest_pass, "COLLISION_CHECK_LIMIT", 10)
    seen, walk = pass_manifest(entries(100), 1, lambda e: f"unique-{e.ordinal}")
    list(walk)
    assert seen.collision_checked == 10 and seen.collisions == 0 and seen.total == 100
