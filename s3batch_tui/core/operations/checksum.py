"""`S3ComputeObjectChecksum`: read each object and hash it, as S3 Batch Operations does.

The object is streamed (GetObject, 1 MiB chunks), so memory stays flat whatever its
size. The report's ResultMessage is compact JSON exactly as AWS writes it (see
`result_message`): `{"checksum_base64", "etag", "checksumAlgorithm", "checksumType",
"checksum_hex"}`, hex in upper case, `=` escaped as `\u003d`.

- FULL_OBJECT (the default): the checksum of the whole object's bytes, for every
  algorithm, multipart objects included (S3 itself cannot store a full-object SHA or
  MD5 of a multipart upload; this operation can compute one, as on AWS).
- COMPOSITE: S3's multipart definition: the algorithm applied to the concatenated
  binary checksums of the parts, in part order, with "-N" (N parts) appended to both
  the base64 and the hex value. Parts are read one by one (GetObject PartNumber=i,
  pinned with If-Match on the first part's ETag). An object that was not uploaded in
  parts (ETag without "-N") has no parts: its value is the full-object checksum and
  its reported checksumType is FULL_OBJECT, as S3 reports for such objects.
  CRC64NVME has no composite type in S3, so asking for it is refused when the job is
  built.

CRC32, SHA1, SHA256, SHA512 and MD5 come from zlib/hashlib. CRC32C and CRC64NVME come
from awscrt when it is installed (C speed), else from `crc.py` (pure Python, roughly
100-190 MB/s per core). XXHASH64/XXHASH3/XXHASH128 need awscrt; without it they are
refused when the job is built.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import zlib
from collections.abc import Callable
from contextlib import closing
from functools import partial
from typing import Any, ClassVar, Protocol

from botocore.exceptions import ClientError

from s3batch_tui.core.errors import InputError
from s3batch_tui.core.manifest.entry import ManifestEntry
from s3batch_tui.core.operations.base import OperationContext, TaskOutcome
from s3batch_tui.core.operations.crc import CRC32C, CRC64NVME, CrcHash
from s3batch_tui.core.operations.tagging import object_address
from s3batch_tui.core.spec import ComputeObjectChecksum

try:  # optional: botocore's own accelerator (pip install botocore[crt])
    from awscrt import checksums as _crt
except ImportError:  # pragma: no cover - depends on the environment
    _crt = None

WHERE = "Operation.S3ComputeObjectChecksum"
READ_CHUNK = 1024 * 1024
"""Bytes per read from the response body: the most one task holds of an object at once."""

FULL_OBJECT_ONLY = frozenset({"CRC64NVME"})
"""Algorithms S3 defines no COMPOSITE checksum for."""

_MULTIPART_ETAG = re.compile(r"-(\d+)$")


class Hasher(Protocol):
    """What every algorithm offers: hashlib's `update` and `digest`."""

    def update(self, data: bytes) -> None: ...

    def digest(self) -> bytes: ...


class _Crc32:
    """zlib's CRC-32 as a hasher; big-endian digest, as S3 encodes it."""

    def __init__(self) -> None:
        self._value = 0

    def update(self, data: bytes) -> None:
        self._value = zlib.crc32(data, self._value)

    def digest(self) -> bytes:
        return self._value.to_bytes(4, "big")


class _CrtCrc:
    """An awscrt CRC function (crc32c, crc64nvme) as a hasher."""

    def __init__(self, function: Callable[[bytes, int], int], size: int) -> None:
        self._function = function
        self._size = size
        self._value = 0

    def update(self, data: bytes) -> None:
        self._value = self._function(data, self._value)

    def digest(self) -> bytes:
        return self._value.to_bytes(self._size, "big")


class _CrtXxhash:
    """An awscrt XXHash object as a hasher (its `finalize` gives the canonical bytes)."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self._hash = make()

    def update(self, data: bytes) -> None:
        self._hash.update(data)

    def digest(self) -> bytes:
        return self._hash.finalize()


def hasher_factories() -> dict[str, Callable[[], Hasher]]:
    """Every algorithm this installation can compute -> a factory of fresh hashers."""
    factories: dict[str, Callable[[], Hasher]] = {
        "CRC32": _Crc32,
        "SHA1": partial(hashlib.new, "sha1"),
        "SHA256": partial(hashlib.new, "sha256"),
        "SHA512": partial(hashlib.new, "sha512"),
        "MD5": partial(hashlib.new, "md5"),
        "CRC32C": lambda: CrcHash(CRC32C),
        "CRC64NVME": lambda: CrcHash(CRC64NVME),
    }
    if _crt is not None:
        factories["CRC32C"] = lambda: _CrtCrc(_crt.crc32c, 4)
        if hasattr(_crt, "crc64nvme"):
            factories["CRC64NVME"] = lambda: _CrtCrc(_crt.crc64nvme, 8)
        xxhash = getattr(_crt, "XXHash", None)
        if xxhash is not None:
            factories["XXHASH64"] = lambda: _CrtXxhash(xxhash.new_xxhash64)
            factories["XXHASH3"] = lambda: _CrtXxhash(xxhash.new_xxhash3_64)
            factories["XXHASH128"] = lambda: _CrtXxhash(xxhash.new_xxhash3_128)
    return factories


def multipart_parts(etag: str) -> int | None:
    """The part count an S3 ETag shows (`"…-3"` -> 3), or None for a single-part object."""
    match = _MULTIPART_ETAG.search(etag.strip('"'))
    return int(match.group(1)) if match else None


# AWS writes the ResultMessage byte for byte like this row of the S3 User Guide's
# "Examples: S3 Batch Operations completion reports" (Example - Compute checksum task report):
#   {"checksum_base64":"bS9TOQ\u003d\u003d","etag":"3c3c1813042989094598e4b57ecbdc82",
#    "checksumAlgorithm":"CRC32","checksumType":"FULL_OBJECT","checksum_hex":"6D2F5339"}
# i.e. that member order, upper-case hex, and HTML-safe escaping of `=` (as Java's Gson
# does by default; it escapes < > & = ' alike), so reports compare equal to AWS's.
_HTML_SAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "=": "\\u003d", "'": "\\u0027"}


def result_message(digest: bytes, algorithm: str, checksum_type: str, etag: str, parts: int | None) -> str:
    """The report's ResultMessage exactly as AWS writes it; "-N" appended to composite values."""
    suffix = f"-{parts}" if parts is not None else ""
    text = json.dumps(
        {
            "checksum_base64": base64.b64encode(digest).decode("ascii") + suffix,
            "etag": etag.strip('"'),
            "checksumAlgorithm": algorithm,
            "checksumType": checksum_type,
            "checksum_hex": digest.hex().upper() + suffix,
        },
        separators=(",", ":"),
    )
    return "".join(_HTML_SAFE.get(char, char) for char in text)


class ComputeObjectChecksumOperation:
    """Stream each object (or exact version) and report its checksum."""

    name: ClassVar[str] = "S3ComputeObjectChecksum"

    def __init__(self, params: ComputeObjectChecksum, context: OperationContext) -> None:
        self._s3 = context.s3
        self._algorithm = params.checksum_algorithm
        self._type = params.checksum_type or "FULL_OBJECT"
        factory = hasher_factories().get(self._algorithm)
        if factory is None:
            raise InputError(
                f"{self._algorithm} is not supported locally without the awscrt package "
                "(pip install awscrt, or botocore[crt])",
                f"{WHERE}.ChecksumAlgorithm",
                code="UnsupportedParameter",
            )
        if self._type == "COMPOSITE" and self._algorithm in FULL_OBJECT_ONLY:
            raise InputError(
                f"{self._algorithm} has only the FULL_OBJECT checksum type in S3 (no composite form)",
                f"{WHERE}.ChecksumType",
            )
        self._new_hasher = factory

    def run(self, entry: ManifestEntry) -> TaskOutcome:
        """Read the object and return its checksum as the report's ResultMessage."""
        address = object_address(entry)
        if self._type == "COMPOSITE":
            return self._composite(address)
        response = self._s3.get_object(**address)
        digest = self._digest(response)
        return TaskOutcome(True, message=result_message(digest, self._algorithm, "FULL_OBJECT", response["ETag"], None))

    def _digest(self, response: dict[str, Any]) -> bytes:
        hasher = self._new_hasher()
        with closing(response["Body"]) as body:
            for chunk in body.iter_chunks(READ_CHUNK):
                hasher.update(chunk)
        return hasher.digest()

    def _composite(self, address: dict[str, str]) -> TaskOutcome:
        try:
            first = self._s3.get_object(**address, PartNumber=1)
        except ClientError as exc:
            # An empty single-part object has no byte range to serve as part 1 (416
            # InvalidPartNumber); read it whole instead.
            if exc.response.get("Error", {}).get("Code") != "InvalidPartNumber":
                raise
            first = self._s3.get_object(**address)
        etag = first["ETag"]
        etag_parts = multipart_parts(etag)
        if etag_parts is None:
            # Not uploaded in parts: PartNumber=1 is the whole object (some servers
            # still say PartsCount 1), and S3 stores a FULL_OBJECT checksum for it.
            digest = self._digest(first)
            return TaskOutcome(True, message=result_message(digest, self._algorithm, "FULL_OBJECT", etag, None))
        parts = first.get("PartsCount") or etag_parts
        if parts > 1 and not first.get("ContentRange"):
            first["Body"].close()
            return TaskOutcome(
                False,
                501,
                "NotImplemented",
                "the server ignored PartNumber=1 (no Content-Range in its answer), so the parts of "
                "this multipart object cannot be read one by one for a COMPOSITE checksum",
            )
        combined = self._new_hasher()
        combined.update(self._digest(first))
        for number in range(2, parts + 1):
            # If-Match: an object overwritten between two part reads fails (412) rather
            # than mixing the parts of two objects.
            response = self._s3.get_object(**address, PartNumber=number, IfMatch=etag)
            combined.update(self._digest(response))
        return TaskOutcome(True, message=result_message(combined.digest(), self._algorithm, "COMPOSITE", etag, parts))
