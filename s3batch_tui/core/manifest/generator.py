"""`ManifestGenerator.S3JobManifestGenerator`: list a bucket, filter, write a CSV manifest.

The source bucket is listed with ListObjectsV2 (current objects, as AWS's generator
does), page by page: memory holds one page, never the listing. With
`KeyNameConstraint.MatchAnyPrefix` only those prefixes are listed. A key must match
every constraint kind given: any prefix AND any suffix AND any substring.
`CreatedAfter`/`CreatedBefore` compare LastModified, sizes are strict, a listing without
StorageClass means STANDARD. Naive datetimes in the spec are UTC.

Cost: `MatchAnyObjectEncryption` and `ObjectReplicationStatuses` are not in a listing,
so when either is given every object that passes the other filters gets one HeadObject
(`HEAD_WORKERS` at a time). An SSE-C object answers HEAD without its key with 400: that
400 is how SSE-C shows (its replication status is then unknown and matches nothing).
`EligibleForReplication` needs the bucket's replication rules as AWS evaluates them:
refused. Throttling, 5xx and connection errors are retried by the engine's RetryingClient.

**Decision:** a generator that matches no object is an error (ManifestError
`EmptyManifest`), as an empty CSV manifest is: the job fails in Preparing saying so.

The manifest is written to `destination` as `bucket,key` rows (keys encoded with
`quote_plus(key, safe="/")`, which `unquote_plus` reverses). With `EnableManifestOutput`
it is also written to `ManifestOutputLocation` in S3 Inventory layout (see
`generator_output`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

from botocore.exceptions import BotoCoreError, ClientError

from s3batch_tui.core.clip import clip_repr
from s3batch_tui.core.engine.retry import outcome_from_exception
from s3batch_tui.core.errors import InputError, ManifestError
from s3batch_tui.core.manifest.generator_output import WHERE, write_manifest_output
from s3batch_tui.core.spec import (
    GeneratorFilter,
    ManifestOutputLocation,
    S3JobManifestGenerator,
    bucket_from_arn,
    is_local_uri,
)

HEAD_WORKERS = 8
_ENCRYPTION_KINDS = {"SSES3": (), "SSEKMS": ("KmsKeyArn", "BucketKeyEnabled"), "DSSEKMS": ("KmsKeyArn",),
                     "SSEC": (), "NOTSSE": ()}  # fmt: skip
_SSE_HEADER_KIND = {"AES256": "SSES3", "aws:kms": "SSEKMS", "aws:kms:dsse": "DSSEKMS"}
_REPLICATION_STATUSES = frozenset({"COMPLETED", "FAILED", "REPLICA", "NONE"})


@dataclass(frozen=True)
class GeneratedManifest:
    """What the generator produced: the local CSV, its task count, where a copy went."""

    path: Path
    total_tasks: int
    output_location: str | None
    listed_objects: int
    output_etag: str | None = None


def encode_key(key: str) -> str:
    """A key as manifests write it (`+` for space, `%2B` for plus); `unquote_plus` reverses it."""
    return quote_plus(key, safe="/")


def generate_manifest(
    generator: S3JobManifestGenerator, s3_client: Any, destination: Path, job_id: str
) -> GeneratedManifest:
    """List `SourceBucket`, keep what `Filter` matches, write the CSV manifest at `destination`.

    Raises:
        InputError: a filter or location that cannot run here (checked before any request).
        ManifestError: listing or HEAD failed, nothing matched, or writing the output failed.
    """
    source = _source_bucket(generator)
    rules = Rules.of(generator.filter or GeneratorFilter())
    output = _output_location(generator)
    owner = {"ExpectedBucketOwner": generator.expected_bucket_owner} if generator.expected_bucket_owner else {}
    temporary = destination.with_name(f".{destination.name}.{os.getpid()}.tmp")
    destination.parent.mkdir(parents=True, exist_ok=True)
    try:
        listed, matched = _write_csv(s3_client, source, rules, owner, temporary)
        if matched == 0:
            raise ManifestError(f"no object matches the filter (listed {listed:,} objects in bucket {clip_repr(source)})",
                                WHERE, code="EmptyManifest")  # fmt: skip
        os.replace(temporary, destination)
    finally:
        temporary.unlink(missing_ok=True)
    if output is None:
        return GeneratedManifest(destination, matched, None, listed)
    location, etag = write_manifest_output(destination, source, output, job_id, s3_client)
    return GeneratedManifest(destination, matched, location, listed, etag)


def _write_csv(client: Any, source: str, rules: Rules, owner: dict[str, str], path: Path) -> tuple[int, int]:
    """List, filter and write the rows; return (objects listed, objects matched)."""
    listed = matched = 0
    with path.open("w", encoding="utf-8", newline="") as out, ThreadPoolExecutor(HEAD_WORKERS) as pool:
        for page in _pages(client, source, rules.list_prefixes, owner):
            listed += len(page)
            candidates = [o for o in page if rules.listing_matches(o)]
            if rules.needs_head:
                heads = pool.map(lambda o: _head(client, source, o["Key"], owner), candidates)
                candidates = [o for o, head in zip(candidates, heads, strict=True)
                              if head is not None and rules.head_matches(head)]  # fmt: skip
            out.writelines(f"{source},{encode_key(o['Key'])}\n" for o in candidates)
            matched += len(candidates)
    return listed, matched


def _source_bucket(generator: S3JobManifestGenerator) -> str:
    if is_local_uri(generator.source_bucket):
        raise InputError("must be an S3 bucket ARN (arn:aws:s3:::name), not a local directory",
                         f"{WHERE}.SourceBucket")  # fmt: skip
    return bucket_from_arn(generator.source_bucket)


def _output_location(generator: S3JobManifestGenerator) -> ManifestOutputLocation | None:
    if not generator.enable_manifest_output:
        return None
    output = generator.manifest_output_location
    if output is None:
        raise InputError("ManifestOutputLocation is required when EnableManifestOutput is true", WHERE)
    if output.manifest_encryption and is_local_uri(output.bucket):
        raise InputError("applies only to an S3 bucket, not to a file:// directory",
                         f"{WHERE}.ManifestOutputLocation.ManifestEncryption")  # fmt: skip
    return output


@dataclass(frozen=True)
class Rules:
    """The filter, checked and ready to apply to listing entries and HEAD answers."""

    list_prefixes: tuple[str, ...]
    suffixes: tuple[str, ...]
    substrings: tuple[str, ...]
    created_after: datetime | None
    created_before: datetime | None
    greater_than: int | None
    less_than: int | None
    storage_classes: frozenset[str] | None
    encryption: tuple[tuple[str, dict[str, Any]], ...] | None
    replication: frozenset[str] | None

    @classmethod
    def of(cls, spec: GeneratorFilter) -> Rules:
        """Check `spec` and build the rules; raises InputError naming the field."""
        where = f"{WHERE}.Filter"
        if spec.eligible_for_replication:
            raise InputError("runs only on AWS S3 Batch Operations (it needs the bucket's replication rules)",
                             f"{where}.EligibleForReplication", code="UnsupportedParameter")  # fmt: skip
        names = spec.key_name_constraint
        replication = spec.object_replication_statuses
        if replication is not None and not set(replication) <= _REPLICATION_STATUSES:
            raise InputError(f"expected any of {sorted(_REPLICATION_STATUSES)}, got {replication}",
                             f"{where}.ObjectReplicationStatuses")  # fmt: skip
        return cls(
            list_prefixes=_minimal_prefixes(names.match_any_prefix if names else None),
            suffixes=tuple(names.match_any_suffix or ()) if names else (),
            substrings=tuple(names.match_any_substring or ()) if names else (),
            created_after=_utc(spec.created_after),
            created_before=_utc(spec.created_before),
            greater_than=spec.object_size_greater_than_bytes,
            less_than=spec.object_size_less_than_bytes,
            storage_classes=frozenset(spec.match_any_storage_class) if spec.match_any_storage_class else None,
            encryption=_encryption_rules(spec.match_any_object_encryption, f"{where}.MatchAnyObjectEncryption"),
            replication=frozenset(replication) if replication else None,
        )

    @property
    def needs_head(self) -> bool:
        """Whether objects need a HeadObject (encryption or replication filters)."""
        return self.encryption is not None or self.replication is not None

    def listing_matches(self, obj: dict[str, Any]) -> bool:
        """Whether a ListObjectsV2 entry passes the filters a listing can answer."""
        key, size, modified = obj["Key"], obj.get("Size", 0), obj["LastModified"]
        return (
            (not self.suffixes or any(key.endswith(s) for s in self.suffixes))
            and (not self.substrings or any(s in key for s in self.substrings))
            and (self.created_after is None or modified > self.created_after)
            and (self.created_before is None or modified < self.created_before)
            and (self.greater_than is None or size > self.greater_than)
            and (self.less_than is None or size < self.less_than)
            and (self.storage_classes is None or obj.get("StorageClass", "STANDARD") in self.storage_classes)
        )

    def head_matches(self, head: dict[str, Any]) -> bool:
        """Whether a HeadObject answer (or `SSEC_HEAD`) passes the encryption/replication filters."""
        if self.encryption is not None and not any(_encryption_matches(head, k, p) for k, p in self.encryption):
            return False
        return self.replication is None or replication_status(head) in self.replication


SSEC_HEAD: dict[str, Any] = {"SSECustomerAlgorithm": "AES256", "ReplicationStatus": "unknown (SSE-C)"}
"""What an object that answered HEAD with 400 (SSE-C without its key) is taken to be."""


def replication_status(head: dict[str, Any]) -> str:
    """A HEAD answer's replication status in the filter's terms (COMPLETE → COMPLETED, none → NONE)."""
    status = head.get("ReplicationStatus") or "NONE"
    return "COMPLETED" if status == "COMPLETE" else status


def encryption_kind(head: dict[str, Any]) -> str:
    """SSES3, SSEKMS, DSSEKMS, SSEC or NOTSSE, from a HEAD answer."""
    if head.get("SSECustomerAlgorithm"):
        return "SSEC"
    sse = head.get("ServerSideEncryption")
    return _SSE_HEADER_KIND.get(sse, "NOTSSE") if sse else "NOTSSE"


def _encryption_matches(head: dict[str, Any], kind: str, params: dict[str, Any]) -> bool:
    if encryption_kind(head) != kind:
        return False
    if params.get("KmsKeyArn") is not None and head.get("SSEKMSKeyId") != params["KmsKeyArn"]:
        return False
    wanted_bucket_key = params.get("BucketKeyEnabled")
    return wanted_bucket_key is None or bool(head.get("BucketKeyEnabled")) == wanted_bucket_key


def _encryption_rules(items: list[dict[str, Any]] | None, where: str) -> tuple[tuple[str, dict[str, Any]], ...] | None:
    if items is None:
        return None
    rules = []
    for index, item in enumerate(items):
        if len(item) != 1 or next(iter(item)) not in _ENCRYPTION_KINDS:
            raise InputError(f"each item names one of {', '.join(_ENCRYPTION_KINDS)}, got {item}", f"{where}[{index}]")
        kind, params = next(iter(item.items()))
        params = params or {}
        unknown = set(params) - set(_ENCRYPTION_KINDS[kind]) if isinstance(params, dict) else {"(not an object)"}
        if unknown:
            raise InputError(f"unknown field(s) {sorted(unknown)}", f"{where}[{index}].{kind}")
        rules.append((kind, params))
    return tuple(rules)


def _minimal_prefixes(prefixes: list[str] | None) -> tuple[str, ...]:
    """The prefixes to list: sorted, without those another one covers ("a" covers "ab")."""
    kept: list[str] = []
    for prefix in sorted(set(prefixes or [""])):
        if not kept or not prefix.startswith(kept[-1]):
            kept.append(prefix)
    return tuple(kept)


def _utc(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def _call(what: str, request: Callable[..., dict[str, Any]], **params: Any) -> dict[str, Any]:
    """`request(**params)`; an S3 error is a ManifestError naming `what`.

    Transient faults are retried by the client the engine passes (a `RetryingClient`);
    one that outlasts the retries is not caught here: the job pauses, it does not fail.
    """
    try:
        return request(**params)
    except (ClientError, BotoCoreError) as exc:
        outcome = outcome_from_exception(exc)
        raise ManifestError(f"{what} failed: {outcome.error_code}: {outcome.message}", WHERE,
                            code=outcome.error_code or "ManifestError") from None  # fmt: skip


def _pages(client: Any, bucket: str, prefixes: tuple[str, ...], owner: dict[str, str]) -> Iterator[list[dict]]:
    for prefix in prefixes:
        token: dict[str, str] = {}
        while True:
            page = _call(f"listing bucket {clip_repr(bucket)}", client.list_objects_v2, Bucket=bucket, Prefix=prefix,
                         **owner, **token)  # fmt: skip
            yield page.get("Contents", [])
            if not page.get("IsTruncated"):
                break
            token = {"ContinuationToken": page["NextContinuationToken"]}


def _head(client: Any, bucket: str, key: str, owner: dict[str, str]) -> dict[str, Any] | None:
    """HeadObject; None when the object vanished since it was listed; SSEC_HEAD on 400."""
    try:
        return _call(f"HeadObject of {clip_repr(key)}", client.head_object, Bucket=bucket, Key=key, **owner)
    except ManifestError as exc:
        if exc.code in ("400", "BadRequest"):
            return SSEC_HEAD
        if exc.code in ("404", "NoSuchKey", "NotFound"):
            return None
        raise
