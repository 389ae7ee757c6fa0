"""Manifests in S3 (SeaweedFS): ETag and version checks, missing objects, Range resume, inventories."""

from __future__ import annotations

import gzip
import hashlib
import json

import pytest

from s3batch_tui.core.errors import ManifestError
from s3batch_tui.core.manifest.location import open_s3
from s3batch_tui.core.manifest.open import open_manifest
from s3batch_tui.core.spec import Manifest

CSV = "S3BatchOperations_CSV_20180820"
INVENTORY = "S3InventoryReport_CSV_20161130"
ROWS = "".join(f"data-bucket,dir/object%20{i}.txt\n" for i in range(8)).encode()


def manifest(bucket: str, key: str, etag: str, *, version_id: str | None = None, fmt: str = CSV) -> Manifest:
    location = {"ObjectArn": f"arn:aws:s3:::{bucket}/{key}", "ETag": etag}
    if version_id:
        location["ObjectVersionId"] = version_id
    return Manifest.model_validate({"Spec": {"Format": fmt}, "Location": location})


def error_of(source) -> ManifestError:
    with pytest.raises(ManifestError) as caught:
        source.validate()
    return caught.value


def test_a_csv_manifest_with_its_etag_is_read(s3, bucket):
    etag = s3.put_object(Bucket=bucket, Key="jobs/m.csv", Body=ROWS)["ETag"]  # quoted, as S3 gives it
    source = open_manifest(manifest(bucket, "jobs/m.csv", etag), s3)
    summary = source.validate()
    assert summary.total_tasks == 8
    assert summary.identity.location == f"arn:aws:s3:::{bucket}/jobs/m.csv"
    assert summary.identity.etag == etag.strip('"') == hashlib.md5(ROWS).hexdigest()
    assert next(source.entries()).key == "dir/object 0.txt"


def test_a_wrong_etag_shows_both_values(s3, bucket):
    actual = s3.put_object(Bucket=bucket, Key="m.csv", Body=ROWS)["ETag"].strip('"')
    error = error_of(open_manifest(manifest(bucket, "m.csv", "0123456789abcdef0123456789abcdef"), s3))
    assert error.where == f"arn:aws:s3:::{bucket}/m.csv"
    assert "ETag mismatch" in error.what
    assert "0123456789abcdef0123456789abcdef" in error.what and actual in error.what


def test_object_version_id_reads_that_version(s3, bucket):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    old = s3.put_object(Bucket=bucket, Key="m.csv", Body=b"data-bucket,old-key\n")
    s3.put_object(Bucket=bucket, Key="m.csv", Body=ROWS)
    source = open_manifest(manifest(bucket, "m.csv", old["ETag"], version_id=old["VersionId"]), s3)
    assert [e.key for e in source.entries()] == ["old-key"]
    assert source.validate().identity.version_id == old["VersionId"]


def test_a_missing_version_is_refused(s3, bucket):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    etag = s3.put_object(Bucket=bucket, Key="m.csv", Body=ROWS)["ETag"]
    error = error_of(open_manifest(manifest(bucket, "m.csv", etag, version_id="0000000000000000000000000000000"), s3))
    assert error.where == f"arn:aws:s3:::{bucket}/m.csv"
    assert "NoSuchVersion" in error.what and error.code == "NoSuchVersion"


def test_a_missing_key_is_refused(s3, bucket):
    error = error_of(open_manifest(manifest(bucket, "nope.csv", "abc"), s3))
    assert error.where == f"arn:aws:s3:::{bucket}/nope.csv"
    assert error.what == f"no object 'nope.csv' in bucket '{bucket}' (NoSuchKey)"


def test_a_missing_bucket_is_refused(s3):
    error = error_of(open_manifest(manifest("no-such-bucket-s3batch", "m.csv", "abc"), s3))
    assert error.what == "bucket 'no-such-bucket-s3batch' does not exist (NoSuchBucket)"


@pytest.mark.parametrize("versioned", [False, True])
def test_resume_reads_the_rest_with_a_range_get(s3, bucket, versioned):
    version_id = None
    if versioned:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    put = s3.put_object(Bucket=bucket, Key="m.csv", Body=ROWS)
    if versioned:
        version_id = put["VersionId"]
        s3.put_object(Bucket=bucket, Key="m.csv", Body=b"data-bucket,newer\n")
    source = open_manifest(manifest(bucket, "m.csv", put["ETag"], version_id=version_id), s3)
    full = list(source.entries())
    assert list(source.entries(start=full[5].position, start_ordinal=5)) == full[5:]


def test_opening_at_the_very_end_reads_nothing(s3, bucket):
    etag = s3.put_object(Bucket=bucket, Key="m.csv", Body=ROWS)["ETag"]
    with open_s3(s3, bucket, "m.csv", etag=etag, offset=len(ROWS)) as stream:
        assert stream.read() == b""


def _put_inventory(s3, bucket: str, files: dict[str, bytes], md5s: dict[str, str] | None = None) -> str:
    """Write gz data files and a manifest.json the way AWS lays them out; return its ETag."""
    prefix = "inventory/src-bucket/cfg"
    for name, content in files.items():
        s3.put_object(Bucket=bucket, Key=f"{prefix}/data/{name}", Body=content)
    document = {
        "sourceBucket": "src-bucket",
        "destinationBucket": f"arn:aws:s3:::{bucket}",
        "fileFormat": "CSV",
        "fileSchema": "Bucket, Key, VersionId, IsLatest, IsDeleteMarker",
        "files": [
            {
                "key": f"{prefix}/data/{name}",
                "size": len(content),
                "MD5checksum": (md5s or {}).get(name, hashlib.md5(content).hexdigest()),
            }
            for name, content in files.items()
        ],
    }
    return s3.put_object(Bucket=bucket, Key=f"{prefix}/2024-01-01T00-00Z/manifest.json", Body=json.dumps(document))[
        "ETag"
    ]


def _gz(rows: list[str]) -> bytes:
    return gzip.compress("".join(row + "\n" for row in rows).encode())


INVENTORY_FILES = {
    "one.csv.gz": _gz(['"src-bucket","a%2Fb","v1","true","false"', '"src-bucket","gone","v2","true","true"']),
    "two.csv.gz": _gz(['"src-bucket","c+d","","true","false"', '"src-bucket","e","v4","true","false"']),
}
MANIFEST_JSON = "inventory/src-bucket/cfg/2024-01-01T00-00Z/manifest.json"


def test_an_inventory_in_s3_is_read_and_resumed(s3, bucket):
    etag = _put_inventory(s3, bucket, INVENTORY_FILES)
    source = open_manifest(manifest(bucket, MANIFEST_JSON, etag, fmt=INVENTORY), s3)
    summary = source.validate()
    assert (summary.total_tasks, summary.skipped_delete_markers) == (3, 1)
    assert summary.identity.etag == etag.strip('"')
    full = list(source.entries())
    assert [(e.key, e.version_id) for e in full] == [("a/b", "v1"), ("c d", "null"), ("e", "v4")]
    assert list(source.entries(start=full[1].position, start_ordinal=1)) == full[1:]


def test_an_inventory_md5_mismatch_names_the_data_file_in_s3(s3, bucket):
    etag = _put_inventory(s3, bucket, INVENTORY_FILES, md5s={"two.csv.gz": "f" * 32})
    error = error_of(open_manifest(manifest(bucket, MANIFEST_JSON, etag, fmt=INVENTORY), s3))
    assert error.where == f"arn:aws:s3:::{bucket}/inventory/src-bucket/cfg/data/two.csv.gz"
    assert error.what.startswith(f"MD5 mismatch: manifest.json says {'f' * 32}")
