"""The dry run's one pass over the manifest: count, sample, find keys that collide.

Memory stays bounded: the sample is a reservoir of N entries, and collisions are found
through 8-byte digests of the first `COLLISION_CHECK_LIMIT` distinct keys.
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from s3batch_tui.core.manifest.entry import ManifestEntry

COLLISION_CHECK_LIMIT = 2_000_000
"""Distinct keys remembered for the collision check (about 150 MB at most)."""

EXAMPLES = 5
"""Examples kept per finding."""


@dataclass
class ManifestPass:
    """What the pass saw.

    Attributes:
        total: tasks in the manifest.
        sample: the entries to HEAD (a uniform random sample, or every entry when not sampling).
        buckets: tasks per bucket (exact).
        versioned_buckets: tasks per bucket that name an exact version (other than "null").
        collisions: entries whose collision key an earlier entry already had.
        collision_examples: a few of them, as "first -> second" text.
        collision_checked: entries covered by the collision check.
    """

    total: int = 0
    sample: list[ManifestEntry] = field(default_factory=list)
    buckets: Counter[str] = field(default_factory=Counter)
    versioned_buckets: Counter[str] = field(default_factory=Counter)
    collisions: int = 0
    collision_examples: list[str] = field(default_factory=list)
    collision_checked: int = 0


def describe_entry(entry: ManifestEntry) -> str:
    """`s3://bucket/key` (with `?versionId=...` for an exact version)."""
    version = f"?versionId={entry.version_id}" if entry.version_id else ""
    return f"s3://{entry.bucket}/{entry.key}{version}"


def pass_manifest(
    entries: Iterable[ManifestEntry],
    sample_size: int | None,
    collision_key: Callable[[ManifestEntry], str],
    seed: int = 0,
) -> tuple[ManifestPass, Iterator[ManifestEntry]]:
    """Count and sample `entries`; returns the result and the iterator that fills it.

    With `sample_size` None every entry is yielded as it is read (the caller HEADs
    them while streaming) and `sample` stays empty; otherwise drain the iterator, then
    use `sample`. `collision_key` names what must be unique (a copy's target key).
    """
    result = ManifestPass()
    chooser = random.Random(seed)
    seen: set[bytes] = set()
    names: dict[bytes, str] = {}  # the first few keys' sources, for examples

    def walk() -> Iterator[ManifestEntry]:
        for entry in entries:
            result.total += 1
            result.buckets[entry.bucket] += 1
            if entry.version_id and entry.version_id != "null":
                result.versioned_buckets[entry.bucket] += 1
            _check_collision(result, seen, names, collision_key(entry), entry)
            if sample_size is None:
                yield entry
            elif len(result.sample) < sample_size:
                result.sample.append(entry)
            else:
                slot = chooser.randrange(result.total)
                if slot < sample_size:
                    result.sample[slot] = entry

    return result, walk()


def _check_collision(
    result: ManifestPass, seen: set[bytes], names: dict[bytes, str], key: str, entry: ManifestEntry
) -> None:
    if len(seen) >= COLLISION_CHECK_LIMIT:
        return
    result.collision_checked += 1
    digest = hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    if digest not in seen:
        seen.add(digest)
        if len(names) < 10_000:
            names[digest] = describe_entry(entry)
        return
    result.collisions += 1
    if len(result.collision_examples) < EXAMPLES:
        first = names.get(digest, "an earlier row")
        result.collision_examples.append(f"{first} and {describe_entry(entry)} both go to {key}")
