"""The unit a manifest yields, and the interface every manifest reader implements."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    """One object to act on: one task.

    Attributes:
        ordinal: 0-based position among the manifest's tasks (skipped rows, such as
            inventory delete markers, take no ordinal).
        bucket: bucket name.
        key: the decoded object key.
        version_id: the exact version to act on, or None for the current one.
        raw_key: the key as written in the manifest (URL-encoded); the report uses it.
        position: an opaque, JSON-serialisable resume token: reading can restart at
            this entry without re-reading what came before (None: restart from the top).
    """

    ordinal: int
    bucket: str
    key: str
    version_id: str | None
    raw_key: str
    position: Any = None


@dataclass(frozen=True, slots=True)
class ManifestIdentity:
    """What identifies the manifest a job was prepared from (recorded with the job).

    `file_stat` is a local file's stat fingerprint: while it matches, the file is taken
    to be unchanged without hashing it again.
    """

    location: str
    etag: str | None = None
    version_id: str | None = None
    sha256: str | None = None
    file_stat: str | None = None


@dataclass(frozen=True, slots=True)
class ManifestSummary:
    """The result of a full validation pass (Preparing)."""

    total_tasks: int
    identity: ManifestIdentity
    skipped_delete_markers: int = 0


class ManifestSource(Protocol):
    """A manifest reader: streams entries, never loads the manifest whole."""

    def entries(self, start: Any = None, start_ordinal: int = 0) -> Iterator[ManifestEntry]:
        """Yield entries in order; with `start`/`start_ordinal` from an entry, resume there.

        Raises ManifestError (naming file, line and column) on malformed input.
        """
        ...

    def validate(self) -> ManifestSummary:
        """Read everything once, check every row, count tasks and record the identity."""
        ...
