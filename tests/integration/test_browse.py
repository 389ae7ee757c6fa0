"""Finding a manifest: S3 listings and heads against SeaweedFS, detection, previews, generator counts."""

from __future__ import annotations

import json

import pytest

from s3batch_tui.core.browse import (
    CSV_FORMAT,
    INVENTORY_FORMAT,
    bucket_arn,
    detect_format,
    generator_preview,
    head_object,
    inspect_manifest,
    list_buckets,
    list_prefix,
    manifest_arn,
    scan_manifest,
    write_job_file,
)
from s3batch_tui.core.errors import InputError
from s3batch_tui.core.spec import GeneratorFilter, parse_job_spec

# --- against SeaweedFS ----------------------------------------------------------------


@pytest.fixture
def tree(s3, bucket) -> str:
    """`bucket` holding a small tree: two "folders", a manifest and loose objects."""
    for key in ("a/one.txt", "a/two.txt", "b/deep/three.txt", "top.csv", "z.txt"):
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
    return bucket


def test_list_buckets(s3, tree):
    assert tree in list_buckets(s3)


def test_list_prefix_gives_prefixes_then_objects(s3, tree):
    listing = list_prefix(s3, tree)
    assert [(e.key, e.is_prefix) for e in listing.entries] == [
        ("a/", True), ("b/", True), ("top.csv", False), ("z.txt", False),
    ]  # fmt: skip
    assert not listing.truncated and listing.entries[2].size == len(b"top.csv")
    assert [e.name for e in list_prefix(s3, tree, "b/").entries] == ["deep/"]
    assert [e.name for e in list_prefix(s3, tree, "a/").entries] == ["one.txt", "two.txt"]


def test_list_prefix_is_bounded_and_pages_on(s3, tree):
    first = list_prefix(s3, tree, limit=3)
    assert len(first.entries) == 3 and first.truncated
    rest = list_prefix(s3, tree, token=first.next_token, limit=3)
    assert [e.key for e in first.entries + rest.entries] == ["a/", "b/", "top.csv", "z.txt"]
    assert not rest.truncated


def test_head_object_gives_the_etag_without_quotes(s3, tree):
    head = head_object(s3, tree, "top.csv")
    assert head.etag == s3.head_object(Bucket=tree, Key="top.csv")["ETag"].strip('"')
    assert head.size == 7 and '"' not in head.etag
    with pytest.raises(InputError, match="cannot read the object"):
        head_object(s3, tree, "missing.csv")


def test_inspect_an_s3_manifest_pins_its_etag_and_previews_rows(s3, bucket):
    s3.put_object(Bucket=bucket, Key="m/manifest.csv", Body=b"data-bucket,a%20b.txt\ndata-bucket,c+d.txt\n")
    inspection = inspect_manifest(f"arn:aws:s3:::{bucket}/m/manifest.csv", lambda: s3)
    assert inspection.error is None
    assert inspection.manifest.location.etag == head_object(s3, bucket, "m/manifest.csv").etag
    assert inspection.manifest.spec.fields == ["Bucket", "Key"]
    assert [row.key for row in inspection.rows] == ["a b.txt", "c d.txt"]
    scan = scan_manifest(inspection.manifest, lambda: s3)
    assert scan.ok and scan.total_tasks == 2


def test_inspect_reports_a_missing_object_and_an_etag_mismatch(s3, bucket):
    missing = inspect_manifest(f"arn:aws:s3:::{bucket}/nope.csv", lambda: s3)
    assert missing.manifest is None and "cannot read the object" in missing.error
    s3.put_object(Bucket=bucket, Key="m.csv", Body=b"data-bucket,k\n")
    changed = inspect_manifest(f"arn:aws:s3:::{bucket}/m.csv", lambda: s3, etag="0" * 32)
    assert changed.manifest is None and "ETag mismatch" in changed.error


def test_generator_preview_counts_what_the_filter_matches(s3, tree):
    everything = generator_preview(s3, tree, None)
    assert (everything.matched, everything.listed) == (5, 5)
    flt = GeneratorFilter.model_validate({"KeyNameConstraint": {"MatchAnyPrefix": ["a/", "b/"],
                                                                "MatchAnySuffix": [".txt"]},
                                          "ObjectSizeGreaterThanBytes": 9})  # fmt: skip
    preview = generator_preview(s3, tree, flt)
    assert preview.sample == ["b/deep/three.txt"] and preview.matched == 1 and preview.listed == 3


# --- no server needed -----------------------------------------------------------------


def test_local_manifest_with_bad_rows_previews_the_good_ones(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("data-bucket,ok.txt\ndata-bucket\ndata-bucket,fine.txt\n")
    inspection = inspect_manifest(manifest_arn(str(path)), lambda: None)
    assert [row.key for row in inspection.rows] == ["ok.txt"]
    assert "line 2" in inspection.error
    scan = scan_manifest(inspection.manifest, lambda: None)
    assert scan.total_tasks == 2 and len(scan.errors) == 1


def test_manifest_arn_accepts_paths_and_uris(tmp_path):
    assert manifest_arn("m.csv", tmp_path) == f"file://{tmp_path}/m.csv"
    assert manifest_arn(f"file://{tmp_path}/x.csv") == f"file://{tmp_path}/x.csv"
    assert manifest_arn("s3://bucket/dir/m.csv") == "arn:aws:s3:::bucket/dir/m.csv"
    assert manifest_arn("arn:aws:s3:::bucket/m.csv") == "arn:aws:s3:::bucket/m.csv"
    for bad in ("", "s3://bucket-only"):
        with pytest.raises(InputError):
            manifest_arn(bad)


def test_bucket_arn_accepts_names_uris_and_directories(tmp_path):
    assert bucket_arn("reports") == "arn:aws:s3:::reports"
    assert bucket_arn("s3://reports/") == "arn:aws:s3:::reports"
    assert bucket_arn("arn:aws:s3:::reports") == "arn:aws:s3:::reports"
    assert bucket_arn(str(tmp_path)) == f"file://{tmp_path}"
    assert bucket_arn("./out", tmp_path) == f"file://{tmp_path}/out"
    assert bucket_arn("  ") == ""


@pytest.mark.parametrize(
    ("name", "head", "fmt", "fields"),
    [
        ("m.csv", b"b,k\n", CSV_FORMAT, ["Bucket", "Key"]),
        ("m.csv", b"b,k,v1\r\n", CSV_FORMAT, ["Bucket", "Key", "VersionId"]),
        ("m.csv", b'b,"k,with,commas",v\n', CSV_FORMAT, ["Bucket", "Key", "VersionId"]),
        ("manifest.json", b"", INVENTORY_FORMAT, None),
        ("inventory", b'  {"sourceBucket": "b"}', INVENTORY_FORMAT, None),
        ("m.txt", b"just-one-column\n", CSV_FORMAT, None),
    ],
)
def test_detect_format(name, head, fmt, fields):
    detection = detect_format(name, head)
    assert (detection.format, detection.fields) == (fmt, fields)


def test_write_job_file_round_trips(tmp_path):
    spec = parse_job_spec(json.dumps({
        "Operation": {"S3DeleteObjectTagging": {}}, "Report": {"Enabled": False},
        "Manifest": {"Spec": {"Format": CSV_FORMAT}, "Location": {"ObjectArn": "file:///m.csv"}},
    }))  # fmt: skip
    path = write_job_file(spec, tmp_path / "sub" / "job.json")
    assert parse_job_spec(path.read_text()) == spec
