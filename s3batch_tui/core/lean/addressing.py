"""Where a request goes: the URL boto3 itself resolves for a bucket, then the key on it.

The endpoint rules (path style for a custom endpoint, virtual host on AWS, FIPS, dual
stack, ...) stay botocore's: one presigned URL per bucket gives the prefix, and every
key is appended with botocore's own encoding of the `{Key+}` label.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

_PROBE_KEY = "k"


@dataclass(frozen=True, slots=True)
class BucketTarget:
    """Scheme, host, port and path prefix (ending in "/") of one bucket's objects."""

    scheme: str
    host: str
    port: int
    prefix: str

    @property
    def host_header(self) -> str:
        """The Host header botocore sends (no port when it is the scheme's default)."""
        default = 443 if self.scheme == "https" else 80
        return self.host if self.port == default else f"{self.host}:{self.port}"


def key_path(key: str) -> str:
    """The key as botocore encodes a greedy URI label (`/` and `~` kept)."""
    return quote(key, safe="/~")


def version_query(version_id: str | None) -> str:
    """`?versionId=...` as botocore encodes the query, or "" without a version."""
    return f"?versionId={quote(version_id, safe='-_.~')}" if version_id else ""


class Addressing:
    """Per-bucket targets resolved through the boto3 client (cached, thread-safe)."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self._targets: dict[str, BucketTarget] = {}
        self._lock = threading.Lock()

    def target(self, bucket: str) -> BucketTarget:
        """The bucket's target, resolved once by botocore's endpoint rules."""
        found = self._targets.get(bucket)
        if found is not None:
            return found
        url = self._client.generate_presigned_url("head_object", Params={"Bucket": bucket, "Key": _PROBE_KEY})
        parts = urlsplit(url)
        if not parts.path.endswith("/" + _PROBE_KEY):  # cannot happen with botocore's rules; be loud
            raise ValueError(f"unexpected object URL for bucket {bucket!r}: {parts.path!r}")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        target = BucketTarget(parts.scheme, parts.hostname or "", port, parts.path[: -len(_PROBE_KEY)])
        with self._lock:
            self._targets[bucket] = target
        return target
