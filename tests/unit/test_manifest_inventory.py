"""S3 Inventory manifests (`S3InventoryReport_CSV_20161130`) read from local files."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import pytest

from s3batch_tui.core.errors import ManifestError
from s3batch_tui.core.manifest.inventory import InventoryManifest
from s3batch_tui.core.manifest.open import open_manifest
from s3batch_tui.core.spec import Manifest, ManifestLocation

SCHEMA = "Bucket, Key, VersionId, IsLatest, IsDeleteMarker, Size"
PREFIX = "inv/src-bucket/config"  # how AWS lays an inventory out in the destination bucket


def csv_gz(rows: list[list[str]]) -> bytes:
    """A gzip data file: no header, every value quoted."""
    return gzip.compress("".join(",".join(f'"{v}"' for v in row) + "\n" for row in rows).encode())


def build(
    root: Path,
    data: dict[str, bytes],
    *,
    schema: str = SCHEMA,
    layout: str = "mirror",
    document: dict | None = None,
) -> tuple[InventoryManifest, dict[str, Path]]:
    """Write an inventory under `root`; return its reader and the data files' paths.

    layout: "mirror" (a copy of the destination bucket), "flat" (data files beside
    manifest.json) or "data" (in a data/ directory beside manifest.json).
    """
    bucket_root = root / "dest"
    manifest_dir = bucket_root / PREFIX / "2024-01-01T00-00Z"
    manifest_dir.mkdir(parents=True)
    paths = {}
    for name, content in data.items():
        directory = {"mirror": bucket_root / PREFIX / "data", "flat": manifest_dir, "data": manifest_dir / "data"}
        paths[name] = directory[layout] / name
        paths[name].parent.mkdir(parents=True, exist_ok=True)
        paths[name].write_bytes(content)
    files = [
        {"key": f"{PREFIX}/data/{name}", "size": len(content), "MD5checksum": hashlib.md5(content).hexdigest()}
        for name, content in data.items()
    ]
    document = {
        "sourceBucket": "src-bucket",
        "destinationBucket": "arn:aws:s3:::dest",
        "version": "2016-11-30",
        "creationTimestamp": "1704067200000",
        "fileFormat": "CSV",
        "fileSchema": schema,
        "files": files,
    } | (document or {})
    manifest_json = manifest_dir / "manifest.json"
    manifest_json.write_text(json.dumps(document))
    return InventoryManifest(ManifestLocation(object_arn=f"file://{manifest_json}")), paths


def error_of(source: InventoryManifest) -> ManifestError:
    with pytest.raises(ManifestError) as caught:
        source.validate()
    return caught.value


FILE_A = [
    ["src-bucket", "a%20one.txt", "v1", "true", "false", "10"],
    ["src-bucket", "gone.txt", "v2", "true", "true", ""],
    ["src-bucket", "old+name.txt", "", "true", "false", "3"],
]
FILE_B = [
    ["src-bucket", "b.txt", "v3", "false", "false", "1"],
    ["src-bucket", "b.txt", "v4", "true", "TRUE", ""],
    ["src-bucket", "c%2Bd.txt", "v5", "true", "false", "1"],
]


# --- Reading --------------------------------------------------------------------------


def test_rows_become_versioned_tasks_and_delete_markers_are_skipped(tmp_path):
    source, _ = build(tmp_path, {"a.csv.gz": csv_gz(FILE_A), "b.csv.gz": csv_gz(FILE_B)})
    entries = list(source.entries())
    assert [(e.ordinal, e.bucket, e.key, e.version_id, e.raw_key) for e in entries] == [
        (0, "src-bucket", "a one.txt", "v1", "a%20one.txt"),
        (1, "src-bucket", "old name.txt", "null", "old+name.txt"),
        (2, "src-bucket", "b.txt", "v3", "b.txt"),
        (3, "src-bucket", "c+d.txt", "v5", "c%2Bd.txt"),
    ]
    assert [e.position for e in entries] == [[0, 1], [0, 3], [1, 1], [1, 3]]


def test_validate_counts_tasks_and_delete_markers_and_hashes_manifest_json(tmp_path):
    source, _ = build(tmp_path, {"a.csv.gz": csv_gz(FILE_A), "b.csv.gz": csv_gz(FILE_B)})
    summary = source.validate()
    assert (summary.total_tasks, summary.skipped_delete_markers) == (4, 2)
    manifest_json = Path(summary.identity.location.removeprefix("file://"))
    assert summary.identity.sha256 == hashlib.sha256(manifest_json.read_bytes()).hexdigest()


def test_an_unversioned_inventory_acts_on_current_versions(tmp_path):
    source, _ = build(tmp_path, {"a.csv.gz": csv_gz([["src-bucket", "k", "5"]])}, schema="Bucket,Key,Size")
    assert [(e.key, e.version_id) for e in source.entries()] == [("k", None)]


@pytest.mark.parametrize("layout", ["flat", "data"])
def test_data_files_beside_manifest_json_are_found(tmp_path, layout):
    source, _ = build(tmp_path, {"a.csv.gz": csv_gz(FILE_A)}, layout=layout)
    assert source.validate().total_tasks == 2


def test_open_manifest_picks_the_inventory_reader(tmp_path):
    reader, _ = build(tmp_path, {"a.csv.gz": csv_gz(FILE_A)})
    manifest = Manifest.model_validate(
        {"Spec": {"Format": "S3InventoryReport_CSV_20161130"}, "Location": {"ObjectArn": reader.location.object_arn}}
    )
    source = open_manifest(manifest, None)
    assert isinstance(source, InventoryManifest) and source.validate().total_tasks == 2


# --- Resume ---------------------------------------------------------------------------


@pytest.mark.parametrize("n", [0, 1, 2, 3])
def test_resume_from_an_entry_gives_the_tail_of_a_full_read(tmp_path, n):
    source, _ = build(tmp_path, {"a.csv.gz": csv_gz(FILE_A), "b.csv.gz": csv_gz(FILE_B)})
    full = list(source.entries())
    position = json.loads(json.dumps(full[n].position))
    assert list(source.entries(start=position, start_ordinal=n)) == full[n:]


def test_resume_skips_earlier_data_files_entirely(tmp_path):
    source, paths = build(tmp_path, {"a.csv.gz": csv_gz(FILE_A), "b.csv.gz": csv_gz(FILE_B)})
    full = list(source.entries())
    paths["a.csv.gz"].unlink()  # never opened again
    assert list(source.entries(start=full[3].position, start_ordinal=3)) == full[3:]


# --- manifest.json problems -----------------------------------------------------------


def test_corrupt_json_names_line_and_column(tmp_path):
    source, _ = build(tmp_path, {"a.csv.gz": csv_gz(FILE_A)})
    path = source.location.object_arn.removeprefix("file://")
    Path(path).write_text('{\n  "files": [,\n')
    error = error_of(source)
    assert error.where == f"{path} line 2 column 13"
    assert error.what.startswith("invalid JSON")


@pytest.mark.parametrize("missing", ["files", "fileSchema", "fileFormat"])
def test_a_missing_member_is_refused(tmp_path, missing):
    source, _ = build(tmp_path, {"a.csv.gz": csv_gz(FILE_A)})
    path = Path(source.location.object_arn.removeprefix("file://"))
    document = json.loads(path.read_text())
    del document[missing]
    path.write_text(json.dumps(document))
    error = error_of(source)
    assert error.where == str(path)
    assert error.what == f"not an inventory manifest.json: missing {missing}"


@pytest.mark.parametrize("file_format", ["Parquet", "ORC"])
def test_parquet_and_orc_are_not_supported(tmp_path, file_format):
    source, _ = build(tmp_path, {"a.csv.gz": b""}, document={"fileFormat": file_format})
    error = error_of(source)
    assert "not supported: only CSV inventories can be used (Parquet/ORC are not supported)" in error.what


def test_a_schema_without_key_is_refused(tmp_path):
    source, _ = build(tmp_path, {"a.csv.gz": csv_gz(FILE_A)}, schema="Bucket, Size")
    assert "has no Key column" in error_of(source).what


def test_a_missing_data_file_is_refused(tmp_path):
    source, paths = build(tmp_path, {"a.csv.gz": csv_gz(FILE_A)})
    paths["a.csv.gz"].unlink()
    error = error_of(source)
    assert f"data file '{PREFIX}/data/a.csv.gz' not found" in error.what


# --- Data file problems: each names the data file -------------------------------------


def test_an_md5_mismatch_names_the_data_file(tmp_path):
    source, paths = build(tmp_path, {"a.csv.gz": csv_gz(FILE_A), "b.csv.gz": csv_gz(FILE_B)})
    path = Path(source.location.object_arn.removeprefix("file://"))
    document = json.loads(path.read_text())
    document["files"][1]["MD5checksum"] = "0" * 32
    path.write_text(json.dumps(document))
    error = error_of(source)
    assert error.where == str(paths["b.csv.gz"])
    assert error.what.startswith(f"MD5 mismatch: manifest.json says {'0' * 32}, the data file has ")


def test_without_md5_or_size_the_data_file_is_read_unchecked(tmp_path):
    source, _ = build(tmp_path, {"a.csv.gz": csv_gz(FILE_A)})
    path = Path(source.location.object_arn.removeprefix("file://"))
    document = json.loads(path.read_text())
    document["files"] = [{"key": document["files"][0]["key"]}]
    path.write_text(json.dumps(document))
    assert source.validate().total_tasks == 2


def test_a_size_mismatch_names_the_data_file(tmp_path):
    source, paths = build(tmp_path, {"a.csv.gz": csv_gz(FILE_A)})
    path = Path(source.location.object_arn.removeprefix("file://"))
    document = json.loads(path.read_text())
    document["files"][0]["size"] += 1
    path.write_text(json.dumps(document))
    error = error_of(source)
    assert error.where == str(paths["a.csv.gz"]) and "size mismatch" in error.what


@pytest.mark.parametrize("damage", ["garbage", "truncated", "bad-crc"])
def test_corrupt_gzip_names_the_data_file(tmp_path, damage):
    good = csv_gz(FILE_A * 50)
    content = {
        "garbage": b"this is not gzip at all",
        "truncated": good[: len(good) // 2],
        "bad-crc": good[:-8] + bytes([good[-8] ^ 0xFF]) + good[-7:],
    }[damage]
    source, paths = build(tmp_path, {"a.csv.gz": content})
    error = error_of(source)
    assert error.where == str(paths["a.csv.gz"])
    assert error.what.startswith("corrupt gzip data")


def test_a_wrong_column_count_names_data_file_line_and_column(tmp_path):
    rows = [FILE_A[0], ["src-bucket", "k", "v9"]]
    source, paths = build(tmp_path, {"a.csv.gz": csv_gz(rows)})
    error = error_of(source)
    assert error.where == f"{paths['a.csv.gz']} line 2 column 22"
    assert error.what == f"expected 6 columns ({SCHEMA}), got 3"


def test_a_bad_percent_escape_names_data_file_line_and_column(tmp_path):
    rows = [FILE_A[0], ["src-bucket", "bad%zz", "v9", "true", "false", "1"]]
    source, paths = build(tmp_path, {"a.csv.gz": csv_gz(rows)})
    error = error_of(source)
    assert error.where == f"{paths['a.csv.gz']} line 2 column 18"
    assert "bad percent-escape '%zz'" in error.what


def test_a_blank_line_in_a_data_file_is_refused(tmp_path):
    content = gzip.compress(b'"src-bucket","a","v1","true","false","1"\n\n')
    source, paths = build(tmp_path, {"a.csv.gz": content})
    assert error_of(source).where == f"{paths['a.csv.gz']} line 2 column 1"


def test_an_inventory_without_rows_is_refused(tmp_path):
    source, _ = build(tmp_path, {"a.csv.gz": gzip.compress(b"")})
    assert "empty manifest" in error_of(source).what


def test_scan_collects_errors_across_data_files(tmp_path):
    bad = ["src-bucket", "x%", "v9", "true", "false", "1"]
    source, paths = build(tmp_path, {"a.csv.gz": csv_gz([bad, *FILE_A]), "b.csv.gz": csv_gz([*FILE_B, bad])})
    result = source.scan()
    assert result.total_tasks == 4 and result.skipped_delete_markers == 2
    assert [e.where for e in result.errors] == [
        f"{paths['a.csv.gz']} line 1 column 16",
        f"{paths['b.csv.gz']} line 4 column 16",
    ]
