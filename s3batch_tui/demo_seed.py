"""Sample data for the demo: buckets, objects, manifests, job files and a Lambda handler."""

from __future__ import annotations

import gzip
import hashlib
import json
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

PHOTOS = "demo-photos"
ARCHIVE = "demo-archive"
REPORTS = "demo-reports"
INVENTORY = "demo-inventory"
PREFIXES = ("2025/summer trip/", "2025/Zürich/", "raw/100% crops/", "exports/q4 finance/")
NAMES = ("IMG_{n:05d}.jpg", "café {n}.png", "50% off {n}.gif", "naïve+plus {n}.tif")
MISSING = ("2025/summer trip/deleted last week.jpg", "raw/100% crops/never uploaded.png")

HANDLER = '''"""A Batch Operations Lambda the demo runs locally: succeeds for photos, refuses the rest."""

from urllib.parse import unquote_plus


def handler(event, context):
    results = []
    for task in event["tasks"]:
        key = unquote_plus(task["s3Key"])
        photo = key.lower().endswith((".jpg", ".png", ".gif", ".tif"))
        results.append({
            "taskId": task["taskId"],
            "resultCode": "Succeeded" if photo else "PermanentFailure",
            "resultString": f"checked {key}" if photo else f"{key} is not a photo",
        })
    return {"invocationSchemaVersion": event["invocationSchemaVersion"], "treatMissingKeysAs": "PermanentFailure",
            "invocationId": event["invocationId"], "results": results}
'''


@dataclass(frozen=True)
class DemoData:
    """What the seeding made: job files to try, and the keys in the photos bucket."""

    workdir: Path
    photo_keys: list[str]
    job_files: dict[str, Path]


def encode(key: str) -> str:
    """A key as manifests write it."""
    return urllib.parse.quote_plus(key, safe="/")


def demo_keys(count: int) -> list[str]:
    """Realistic keys across prefixes, with spaces, unicode, `%` and `+` among them."""
    return [PREFIXES[n % len(PREFIXES)] + NAMES[n % len(NAMES)].format(n=n) for n in range(count)]


def _csv(path: Path, bucket: str, keys: list[str]) -> Path:
    path.write_text("".join(f"{bucket},{encode(k)}\n" for k in keys), encoding="utf-8")
    return path


def _job(workdir: Path, name: str, description: str, operation: dict, manifest: dict, **extra) -> Path:
    document = {
        "Description": description,
        "Priority": 10,
        "Operation": operation,
        "Manifest": manifest,
        "Report": {"Enabled": True, "Bucket": f"arn:aws:s3:::{REPORTS}", "Format": "Report_CSV_20180820",
                   "Prefix": "batch", "ReportScope": "AllTasks"},  # fmt: skip
    } | extra
    path = workdir / "jobs" / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


def _local(path: Path, fields: list[str] | None = None) -> dict:
    spec = {"Format": "S3BatchOperations_CSV_20180820", "Fields": fields or ["Bucket", "Key"]}
    return {"Spec": spec, "Location": {"ObjectArn": f"file://{path}"}}


def _inventory(client, photo_versions: list[tuple[str, str]]) -> dict:
    """An S3 Inventory report of the photos bucket (versioned), stored in its own bucket."""
    client.create_bucket(Bucket=INVENTORY)
    rows = "".join(f'"{PHOTOS}","{encode(k)}","{v}","true","false"\n' for k, v in photo_versions)
    data = gzip.compress(rows.encode())
    data_key = f"{PHOTOS}/daily/data/inventory-0.csv.gz"
    client.put_object(Bucket=INVENTORY, Key=data_key, Body=data)
    manifest = {
        "sourceBucket": PHOTOS, "destinationBucket": f"arn:aws:s3:::{INVENTORY}", "version": "2016-11-30",
        "fileFormat": "CSV", "fileSchema": "Bucket, Key, VersionId, IsLatest, IsDeleteMarker",
        "files": [{"key": data_key, "size": len(data), "MD5checksum": hashlib.md5(data).hexdigest()}],
    }  # fmt: skip
    key = f"{PHOTOS}/daily/2026-01-01T00-00Z/manifest.json"
    etag = client.put_object(Bucket=INVENTORY, Key=key, Body=json.dumps(manifest).encode())["ETag"]
    return {"Spec": {"Format": "S3InventoryReport_CSV_20161130"},
            "Location": {"ObjectArn": f"arn:aws:s3:::{INVENTORY}/{key}", "ETag": etag.strip('"')}}  # fmt: skip


def seed(client, workdir: Path, count: int) -> DemoData:
    """Fill the (empty) demo server and write manifests and job files under `workdir`."""
    workdir.mkdir(parents=True, exist_ok=True)
    for bucket in (PHOTOS, ARCHIVE, REPORTS):
        client.create_bucket(Bucket=bucket)
    client.put_bucket_versioning(Bucket=PHOTOS, VersioningConfiguration={"Status": "Enabled"})
    keys = demo_keys(count)
    archived = [f"2019/cold storage/scan {n:03d}.tif" for n in range(40)]
    with ThreadPoolExecutor(8) as pool:
        versions = list(pool.map(lambda k: client.put_object(Bucket=PHOTOS, Key=k, Body=k.encode())["VersionId"], keys))
        list(pool.map(lambda k: client.put_object(Bucket=ARCHIVE, Key=k, Body=b"scan", StorageClass="GLACIER"), archived))
    manifests = workdir / "manifests"
    manifests.mkdir(exist_ok=True)
    photos = _csv(manifests / "photos.csv", PHOTOS, keys)
    with_missing = _csv(manifests / "photos-some-missing.csv", PHOTOS, keys[:300] + list(MISSING))
    archive = _csv(manifests / "archive.csv", ARCHIVE, archived)
    handler = workdir / "handlers" / "photo_checker.py"
    handler.parent.mkdir(exist_ok=True)
    handler.write_text(HANDLER, encoding="utf-8")
    tags = {"S3PutObjectTagging": {"TagSet": [{"Key": "reviewed", "Value": "yes"}]}}
    job_files = {
        "tag-photos": _job(workdir, "tag-photos", f"Tag all {len(keys):,} photos", tags, _local(photos)),
        "tag-some-missing": _job(workdir, "tag-some-missing", "Tag photos (2 are missing)", tags, _local(with_missing)),
        "tag-from-inventory": _job(workdir, "tag-from-inventory", "Tag every version from the inventory", tags,
                                   _inventory(client, list(zip(keys, versions, strict=True)))),  # fmt: skip
        "restore-archive": _job(workdir, "restore-archive", "Restore the 2019 scans from Glacier",
                                {"S3InitiateRestoreObject": {"ExpirationInDays": 7, "GlacierJobTier": "BULK"}},
                                _local(archive), ConfirmationRequired=True),  # fmt: skip
        "check-with-lambda": _job(workdir, "check-with-lambda", "Check photos with a local Lambda handler",
                                  {"LambdaInvoke": {"FunctionArn": f"python:{handler}:handler",
                                                    "InvocationSchemaVersion": "2.0",
                                                    "UserArguments": {"purpose": "demo"}}},
                                  _local(with_missing)),  # fmt: skip
    }
    return DemoData(workdir, keys, job_files)
