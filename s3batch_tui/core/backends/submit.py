"""Making a job file ready for an S3 Control backend: manifest upload and a kept token.

A `file://` CSV manifest is uploaded under `--manifest-to` (a key named by its
content, so a retry uploads the same object with the same ETag) and referenced by that
object's ARN and ETag. The ClientRequestToken is kept in a file next to the job file
before anything is sent: a submit retried after a network error sends the same
request with the same token, and S3 Control answers with the first job, not a second.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from boto3.exceptions import Boto3Error
from botocore.exceptions import BotoCoreError, ClientError

from s3batch_tui.core.engine.retrying import TransientError
from s3batch_tui.core.errors import InputError
from s3batch_tui.core.spec import S3_ARN_PREFIX, JobSpec, local_path
from s3batch_tui.core.spec.base import is_local_uri

TOKEN_SUFFIX = ".token"
CSV_FORMAT = "S3BatchOperations_CSV_20180820"


@dataclass(frozen=True)
class S3Prefix:
    """`s3://bucket/prefix/`, split."""

    bucket: str
    prefix: str

    @classmethod
    def parse(cls, text: str, where: str = "--manifest-to") -> S3Prefix:
        """Parse `s3://bucket/prefix/` (the prefix may be empty)."""
        if not text.startswith("s3://") or not text[5:].split("/", 1)[0]:
            raise InputError(f"expected s3://bucket/prefix/, got {text!r}", where)
        bucket, _, prefix = text[5:].partition("/")
        return cls(bucket, prefix.strip("/"))

    def key(self, name: str) -> str:
        """`name` under the prefix."""
        return f"{self.prefix}/{name}" if self.prefix else name


def upload_manifest(spec: JobSpec, s3_client: Any, manifest_to: str | None) -> JobSpec:
    """`spec` with its local CSV manifest uploaded and referenced by ARN and ETag (unchanged if not local)."""
    location = spec.manifest.location.object_arn if spec.manifest else None
    if not location or not is_local_uri(location):
        return spec
    if manifest_to is None:
        raise InputError("a local manifest must be uploaded first: give --manifest-to s3://bucket/prefix/",
                         "Manifest.Location.ObjectArn")  # fmt: skip
    if spec.manifest.spec.format != CSV_FORMAT:
        raise InputError("only a local CSV manifest is uploaded for you; upload an inventory with its data files "
                         "yourself and give its s3 ARN", "Manifest.Spec.Format")  # fmt: skip
    target = S3Prefix.parse(manifest_to)
    path = local_path(location)
    key = target.key(f"{_file_sha256(path)[:16]}/{path.name}")
    try:
        etag = upload_csv(s3_client, path, target.bucket, key)
    except (ClientError, BotoCoreError, Boto3Error, TransientError) as exc:
        raise InputError(f"cannot upload the manifest to s3://{target.bucket}/{key}: {exc}", "--manifest-to") from None
    data = spec.to_json_dict()
    data["Manifest"]["Location"] = {"ObjectArn": f"{S3_ARN_PREFIX}{target.bucket}/{key}", "ETag": etag}
    return JobSpec.model_validate(data)


def upload_csv(s3_client: Any, path: Path, bucket: str, key: str) -> str:
    """Upload a CSV file and return its object's ETag (unquoted).

    In parts when big (a manifest can be gigabytes; memory stays flat); a repeat sends
    the same parts and so gets the same ETag.
    """
    s3_client.upload_file(str(path), bucket, key, ExtraArgs={"ContentType": "text/csv"})
    return s3_client.head_object(Bucket=bucket, Key=key)["ETag"].strip('"')


def _file_sha256(path: Path) -> str:
    """The file's SHA-256, read in blocks (memory stays flat for any size)."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as file:
            while block := file.read(1 << 20):
                digest.update(block)
    except OSError as exc:
        raise InputError(f"cannot read the manifest: {exc.strerror}", str(path)) from None
    return digest.hexdigest()


def kept_token(job_file: Path, request_digest: str) -> str:
    """The ClientRequestToken for this job file and request: the kept one, or a new one written first.

    The token file also holds a digest of the request (job file and flags): a changed
    file is a new job and gets a new token.
    """
    token_file = job_file.with_name(job_file.name + TOKEN_SUFFIX)
    try:
        kept = json.loads(token_file.read_text(encoding="utf-8"))
        if kept.get("RequestSha256") == request_digest:
            return kept["ClientRequestToken"]
    except (OSError, ValueError, KeyError, AttributeError):
        pass  # none kept (or unreadable): make one
    token = str(uuid.uuid4())
    record = {"ClientRequestToken": token, "RequestSha256": request_digest}
    try:
        token_file.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot keep the ClientRequestToken next to the job file: {exc.strerror} "
                         "(set ClientRequestToken in the job file instead)", str(token_file)) from None  # fmt: skip
    return token


def request_digest(job_file: Path, *parts: str | None) -> str:
    """A digest of the job file's bytes and the flags that shape the request."""
    digest = hashlib.sha256(job_file.read_bytes())
    for part in parts:
        digest.update(b"\0" + (part or "").encode())
    return digest.hexdigest()


def with_token(spec: JobSpec, token: str) -> JobSpec:
    """`spec` carrying `token` (a token already in the job file wins)."""
    if spec.client_request_token:
        return spec
    return JobSpec.model_validate(spec.to_json_dict() | {"ClientRequestToken": token})
