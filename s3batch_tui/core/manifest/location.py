"""Opening manifest bytes: a local `file://` path or an S3 object, streamed in chunks.

An S3 manifest is checked against its expected ETag (quotes ignored) and read at its
`ObjectVersionId` when one is given; a local manifest is hashed (SHA-256) while it is
read, so the identity recorded with a job costs no second pass. Its stat fingerprint
(size, times, inode), taken before the first byte is read, lets a later run tell
cheaply that it is still the same file (see `unchanged.py`). Both can be opened at
a byte offset (S3: a Range GET, local: a seek) to resume reading mid-file. An S3 read
cut mid-stream (connection reset) goes on with a Range GET from the byte reached,
pinned to the ETag already read (IfMatch), so no byte is read twice or skipped.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from botocore.exceptions import BotoCoreError, ClientError

from s3batch_tui.core.clip import clip, clip_repr
from s3batch_tui.core.errors import ManifestError
from s3batch_tui.core.manifest.entry import ManifestIdentity
from s3batch_tui.core.spec import S3_ARN_PREFIX, ManifestLocation, is_local_uri, local_path

CHUNK_SIZE = 1 << 20
MAX_RESUMES_PER_READ = 5
# A file changed this recently may change again within the file system's timestamp
# granularity without its stat showing it ("racy" as git calls it): no fingerprint then.
RACY_SECONDS = 1.0


class ByteStream:
    """A readable byte stream (local file or S3 body), optionally hashed as it is read.

    Attributes:
        name: how errors name the stream: an object ARN or a local path.
        etag: the S3 ETag without quotes (None for a local file).
        version_id: the S3 version id the server answered with, if any.
        size: bytes read so far.
        fingerprint: a local file's stat fingerprint when it was opened (None for S3,
            or for a file changed too recently to trust its stat).
    """

    def __init__(
        self,
        raw: Any,
        name: str,
        *,
        digest: str | None = None,
        etag: str | None = None,
        version_id: str | None = None,
        reopen: Callable[[int], Any] | None = None,
        offset: int = 0,
    ) -> None:
        self._raw = raw
        self._reopen = reopen  # S3: a fresh body from an absolute byte position
        self._offset = offset
        # Integrity checks, not security: MD5 must work on FIPS builds too.
        self._hash = hashlib.new(digest, usedforsecurity=False) if digest else None
        self.name = name
        self.etag = etag
        self.version_id = version_id
        self.size = 0
        self.fingerprint: str | None = None

    def read(self, size: int = CHUNK_SIZE) -> bytes:
        """Up to `size` bytes; b"" at the end. Transport failures become ManifestError.

        A cut S3 stream is reopened where it stopped (a few times per read at most).
        """
        resumes = 0
        while True:
            try:
                data = self._raw.read(size)
                break
            except (BotoCoreError, OSError) as exc:
                if self._reopen is None or resumes == MAX_RESUMES_PER_READ:
                    raise ManifestError(f"reading failed: {exc}", self.name) from None
            resumes += 1
            self.close()
            self._raw = self._reopen(self._offset + self.size)
        if self._hash is not None:
            self._hash.update(data)
        self.size += len(data)
        return data

    def chunks(self) -> Iterator[bytes]:
        """The rest of the stream, chunk by chunk."""
        while data := self.read(CHUNK_SIZE):
            yield data

    def drain(self) -> None:
        """Read (and hash) whatever is left."""
        for _ in self.chunks():
            pass

    def hexdigest(self) -> str | None:
        """The hex digest of everything read so far (None when not hashing)."""
        return self._hash.hexdigest() if self._hash is not None else None

    def close(self) -> None:
        """Release the file or the HTTP connection."""
        try:
            self._raw.close()
        except (BotoCoreError, OSError):
            pass  # a connection already cut has nothing left to release

    def __enter__(self) -> ByteStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def object_arn(bucket: str, key: str) -> str:
    """`arn:aws:s3:::bucket/key`, the name errors give an S3 object."""
    return f"{S3_ARN_PREFIX}{bucket}/{key}"


def location_name(location: ManifestLocation) -> str:
    """How errors name a manifest: its local path, or its ObjectArn."""
    if is_local_uri(location.object_arn):
        return str(local_path(location.object_arn))
    return location.object_arn


def open_local(path: Path, *, offset: int = 0, digest: str | None = None) -> ByteStream:
    """Open a local file at `offset`; a missing or unreadable file is a ManifestError."""
    try:
        raw: BinaryIO = path.open("rb")
    except FileNotFoundError:
        raise ManifestError("no such file", str(path)) from None
    except IsADirectoryError:
        raise ManifestError("is a directory, not a file", str(path)) from None
    except OSError as exc:
        raise ManifestError(f"cannot open: {exc.strerror}", str(path)) from None
    if offset:
        raw.seek(offset)
    stream = ByteStream(raw, str(path), digest=digest)
    status = os.fstat(raw.fileno())
    if time.time_ns() - max(status.st_mtime_ns, status.st_ctime_ns) > RACY_SECONDS * 1e9:
        stream.fingerprint = file_fingerprint(status)
    return stream


def file_fingerprint(status: os.stat_result) -> str:
    """What changes when a file's content may have: size, modification and change times, inode."""
    return f"{status.st_size} bytes, mtime {status.st_mtime_ns} ns, ctime {status.st_ctime_ns} ns, inode {status.st_ino}"


def open_s3(
    client: Any,
    bucket: str,
    key: str,
    *,
    version_id: str | None = None,
    etag: str | None = None,
    offset: int = 0,
    digest: str | None = None,
) -> ByteStream:
    """GET an S3 object from `offset`, checking its ETag when one is expected.

    Raises:
        ManifestError: no such bucket, key or version; access denied; ETag mismatch.
    """
    name = object_arn(bucket, key)
    if client is None:
        raise ManifestError("an S3 client is needed to read a manifest in S3", name)
    params: dict[str, Any] = {"Bucket": bucket, "Key": key}
    if version_id:
        params["VersionId"] = version_id
    try:
        if offset:
            response = _get_range(client, params, offset)
        else:
            response = client.get_object(**params)
    except ClientError as exc:
        raise _describe_client_error(exc, name, bucket, key, version_id) from None
    except BotoCoreError as exc:
        raise ManifestError(f"cannot read: {exc}", name) from None
    actual = response.get("ETag", "").strip('"')
    body = response["Body"]
    if etag is not None and actual != etag.strip('"'):
        body.close()
        raise ManifestError(
            f"ETag mismatch: the job expects {etag.strip(chr(34))} but the object has {actual}"
            " (the manifest changed since the job was written)",
            name,
            code="ManifestETagMismatch",
        )
    pinned = params | {"IfMatch": response.get("ETag") or actual}

    def reopen(position: int) -> Any:
        try:
            return client.get_object(Range=f"bytes={position}-", **pinned)["Body"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "InvalidRange":
                return _Empty()  # cut right at the end: nothing was left to read
            raise _describe_client_error(exc, name, bucket, key, version_id) from None

    return ByteStream(body, name, digest=digest, etag=actual, version_id=response.get("VersionId"),
                      reopen=reopen, offset=offset)  # fmt: skip


def _get_range(client: Any, params: dict[str, Any], offset: int) -> dict[str, Any]:
    try:
        return client.get_object(Range=f"bytes={offset}-", **params)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "InvalidRange":
            raise
    # Resuming exactly at the end: nothing left to read, but the ETag must still match.
    head = client.head_object(**params)
    return {"ETag": head.get("ETag", ""), "VersionId": head.get("VersionId"), "Body": _Empty()}


class _Empty:
    def read(self, size: int = -1) -> bytes:
        return b""

    def close(self) -> None:
        pass


def _describe_client_error(
    exc: ClientError, name: str, bucket: str, key: str, version_id: str | None
) -> ManifestError:
    error = exc.response.get("Error", {})
    code = error.get("Code", "")
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    if code == "NoSuchBucket":
        what = f"bucket {clip_repr(bucket)} does not exist (NoSuchBucket)"
    elif code == "NoSuchKey":
        what = f"no object {clip_repr(key)} in bucket {clip_repr(bucket)} (NoSuchKey)"
    elif code == "NoSuchVersion" or (version_id and code in ("404", "NotFound")):
        what = f"version {clip_repr(version_id)} of {clip_repr(key)} does not exist (NoSuchVersion)"
    elif code in ("404", "NotFound"):
        what = f"no object {clip_repr(key)} in bucket {clip_repr(bucket)} (404 Not Found)"
    elif code in ("AccessDenied", "403"):
        what = "access denied (AccessDenied): the credentials in use may not read this object"
    else:
        what = f"cannot read ({code or status}): {clip(str(error.get('Message') or exc))}"
    return ManifestError(what, name, code=code or "ManifestError")


def open_location(location: ManifestLocation, s3_client: Any, *, offset: int = 0) -> ByteStream:
    """Open the manifest named by `location` at `offset`.

    A local file read from the top is hashed (SHA-256) for its identity; an S3 object
    must match the location's ETag and is read at its ObjectVersionId, if given.
    """
    if is_local_uri(location.object_arn):
        if location.object_version_id:
            raise ManifestError("ObjectVersionId applies only to a manifest in S3", location_name(location))
        return open_local(local_path(location.object_arn), offset=offset, digest=None if offset else "sha256")
    bucket, key = location.bucket_and_key
    return open_s3(
        s3_client, bucket, key, version_id=location.object_version_id, etag=location.etag, offset=offset
    )


def identity_of(location: ManifestLocation, stream: ByteStream) -> ManifestIdentity:
    """The identity of a manifest fully read through `stream` (S3: ETag/version; local: SHA-256)."""
    if is_local_uri(location.object_arn):
        return ManifestIdentity(location=location.object_arn, sha256=stream.hexdigest(), file_stat=stream.fingerprint)
    return ManifestIdentity(
        location=location.object_arn,
        etag=stream.etag,
        version_id=location.object_version_id or stream.version_id,
    )
