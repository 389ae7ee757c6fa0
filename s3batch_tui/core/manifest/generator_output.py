"""Writing a generated manifest to `ManifestOutputLocation`, in S3 Inventory layout.

    {ManifestPrefix}/job-{JobId}/manifest.json
    {ManifestPrefix}/job-{JobId}/data/{sha1(JobId/index)}.csv.gz

shaped like an S3 Inventory manifest (`fileSchema` "Bucket, Key", gzip CSV data files
with quoted values, `files[]` with size and MD5), readable by `InventoryManifest`. AWS
documents only the format name (`S3InventoryReport_CSV_20211130`), not this layout.
"""

from __future__ import annotations

import gzip
import hashlib
import itertools
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from s3batch_tui.core.errors import ManifestError
from s3batch_tui.core.spec import ManifestOutputLocation, bucket_from_arn, is_local_uri, local_path

WHERE = "ManifestGenerator.S3JobManifestGenerator"
ROWS_PER_DATA_FILE = 1_000_000


def write_manifest_output(
    csv_path: Path,
    source_bucket: str,
    output: ManifestOutputLocation,
    job_id: str,
    s3_client: Any,
    rows_per_file: int = ROWS_PER_DATA_FILE,
) -> tuple[str, str]:
    """Write the CSV manifest at `csv_path` as an inventory-shaped report.

    Returns where manifest.json is and its ETag (DescribeJob's GeneratedManifestDescriptor).

    Data files are built one at a time in a scratch directory beside `csv_path`, so memory
    stays flat; manifest.json is written last, once every data file it lists is in place.
    """
    prefix = (output.manifest_prefix or "").strip("/")
    base = f"{prefix}/job-{job_id}" if prefix else f"job-{job_id}"
    target = _LocalTarget(output.bucket) if is_local_uri(output.bucket) else _S3Target(s3_client, output)
    files = []
    try:
        with tempfile.TemporaryDirectory(dir=csv_path.parent) as scratch:
            for index, path in enumerate(_data_files(csv_path, Path(scratch), rows_per_file)):
                key = f"{base}/data/{hashlib.sha1(f'{job_id}/{index}'.encode()).hexdigest()}.csv.gz"
                with path.open("rb") as data:
                    md5 = hashlib.file_digest(data, lambda: hashlib.md5(usedforsecurity=False)).hexdigest()
                files.append({"key": key, "size": path.stat().st_size, "MD5checksum": md5})
                target.put_file(key, path, "application/gzip")
        document = {
            "sourceBucket": source_bucket,
            "destinationBucket": output.bucket,
            "version": "2021-11-30",
            "creationTimestamp": str(int(time.time() * 1000)),
            "fileFormat": "CSV",
            "fileSchema": "Bucket, Key",
            "files": files,
        }
        return target.put_bytes(f"{base}/manifest.json", json.dumps(document, indent=2).encode(), "application/json")
    except (ClientError, BotoCoreError, OSError) as exc:
        raise ManifestError(f"writing the generated manifest failed: {exc}",
                            f"{WHERE}.ManifestOutputLocation", code="ManifestOutputFailed") from None  # fmt: skip


def _data_files(csv_path: Path, scratch: Path, rows_per_file: int) -> Iterator[Path]:
    """Gzip files of up to `rows_per_file` quoted inventory rows each, from the CSV's rows."""
    with csv_path.open(encoding="utf-8") as source:
        for index in itertools.count():
            rows = itertools.islice(source, rows_per_file)
            first = next(rows, None)
            if first is None:
                return
            path = scratch / f"{index}.csv.gz"
            with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as packed:
                for line in itertools.chain([first], rows):
                    bucket, _, key = line.rstrip("\n").partition(",")
                    packed.write(f'"{bucket}","{key}"\n'.encode())  # encoded keys hold no quote or comma
            yield path


class _S3Target:
    def __init__(self, client: Any, output: ManifestOutputLocation) -> None:
        self.client = client
        self.bucket = bucket_from_arn(output.bucket)
        self.extra: dict[str, str] = {}
        if output.expected_manifest_bucket_owner:
            self.extra["ExpectedBucketOwner"] = output.expected_manifest_bucket_owner
        encryption = output.manifest_encryption or {}
        if "SSES3" in encryption:
            self.extra["ServerSideEncryption"] = "AES256"
        elif "SSEKMS" in encryption:
            self.extra |= {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": encryption["SSEKMS"]["KeyId"]}

    def put_file(self, key: str, path: Path, content_type: str) -> None:
        # Streamed, in parts when large; by name so that a retried upload starts from the top.
        self.client.upload_file(str(path), self.bucket, key, ExtraArgs={"ContentType": content_type, **self.extra})

    def put_bytes(self, key: str, body: bytes, content_type: str) -> tuple[str, str]:
        response = self.client.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type, **self.extra)
        return f"s3://{self.bucket}/{key}", response["ETag"].strip('"')


class _LocalTarget:
    def __init__(self, uri: str) -> None:
        self.root = local_path(uri)

    def put_file(self, key: str, path: Path, content_type: str) -> None:
        self._place(key, lambda temporary: shutil.copyfile(path, temporary))

    def put_bytes(self, key: str, body: bytes, content_type: str) -> tuple[str, str]:
        # The ETag S3 would give this single-part object: the hex MD5 of its bytes.
        etag = hashlib.md5(body, usedforsecurity=False).hexdigest()
        return self._place(key, lambda temporary: temporary.write_bytes(body)), etag

    def _place(self, key: str, write: Callable[[Path], object]) -> str:
        """Write under a temporary name and rename: a reader never sees half a file."""
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        write(temporary)
        os.replace(temporary, path)
        return f"file://{path}"
