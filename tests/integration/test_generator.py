"""The manifest generator against SeaweedFS (moto for SSE-KMS): every filter, pagination, output."""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from s3batch_tui.core.engine.retrying import Retrying
from s3batch_tui.core.errors import InputError, ManifestError
from tests.integration.tiny_http import ScriptedHandler, serve
from s3batch_tui.core.manifest.csv_source import CsvManifest
from s3batch_tui.core.manifest.generator import (
    SSEC_HEAD,
    encryption_kind,
    generate_manifest,
    replication_status,
    write_manifest_output,
)
from s3batch_tui.core.manifest.inventory import InventoryManifest
from s3batch_tui.core.spec import ManifestLocation, S3JobManifestGenerator, load_job_spec

from tests.integration.helpers import seed_objects

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SSE_C_KEY = os.urandom(32)

# (key, size, extra PutObject arguments); group A is written at least a second before group B.
GROUP_A = [
    ("logs/2024/a.log", 10, {}),
    ("logs/2024/b.txt", 100, {}),
    ("data/x.log", 1000, {}),
    ("data/report-final.csv", 11, {}),
    ("odd/with space+plus%2B 100%.log", 999, {}),
    ("odd/ünï 日本 #?&=.log", 1, {}),
]
GROUP_B = [
    ("logs/2025/c.log", 500, {}),
    ("cold/ia.bin", 10, {"StorageClass": "STANDARD_IA"}),
    ("cold/glacier.bin", 10, {"StorageClass": "GLACIER"}),
    ("enc/sse-s3", 10, {"ServerSideEncryption": "AES256"}),
    ("enc/sse-c", 10, {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": SSE_C_KEY}),
]
ALL_KEYS = {key for key, _, _ in GROUP_A + GROUP_B}
A_KEYS = {key for key, _, _ in GROUP_A}


def make_bucket(s3, role: str) -> str:
    name = f"gen-{role}-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=name)
    return name


def put_all(s3, bucket: str, objects) -> None:
    for key, size, extra in objects:
        s3.put_object(Bucket=bucket, Key=key, Body=b"x" * size, **extra)


@pytest.fixture(scope="module")
def client(seaweed):
    """A client like the engine's: botocore retries off."""
    return seaweed.client(retries={"total_max_attempts": 1})


@pytest.fixture(scope="module")
def src(client) -> dict:
    """A bucket with GROUP_A, then (one second later) GROUP_B; the boundary times too."""
    bucket = make_bucket(client, "src")
    put_all(client, bucket, GROUP_A)
    listing = {o["Key"]: o["LastModified"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]}
    last_a = max(listing.values())
    time.sleep(max(0.0, 1.05 - (time.time() - last_a.timestamp())))  # LastModified has 1 s resolution
    put_all(client, bucket, GROUP_B)
    listing = {o["Key"]: o["LastModified"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]}
    first_b = min(modified for key, modified in listing.items() if key not in A_KEYS)
    assert first_b > last_a
    return {"bucket": bucket, "last_a": last_a, "first_b": first_b}


@pytest.fixture(scope="module")
def many(client) -> tuple[str, list[str]]:
    """A bucket with 1,010 objects: more than one ListObjectsV2 page."""
    bucket = make_bucket(client, "many")
    return bucket, seed_objects(client, bucket, [f"p/{i:04d} +%é" for i in range(1010)])


def generator(bucket: str, output: dict | None = None, **filters) -> S3JobManifestGenerator:
    spec = {"SourceBucket": f"arn:aws:s3:::{bucket}", "EnableManifestOutput": output is not None}
    if output is not None:
        spec["ManifestOutputLocation"] = {"ManifestFormat": "S3InventoryReport_CSV_20211130", **output}
    if filters:
        spec["Filter"] = filters
    return S3JobManifestGenerator.model_validate(spec)


def csv_keys(path: Path) -> list[str]:
    """The keys of a generated CSV, read back by the CSV manifest reader."""
    return [e.key for e in CsvManifest(ManifestLocation(object_arn=f"file://{path}")).entries()]


@pytest.fixture
def run(client, tmp_path):
    """Generate with these filters over the `src` bucket; returns the keys read back."""

    def run_it(bucket: str, **filters) -> set[str]:
        result = generate_manifest(generator(bucket, **filters), client, tmp_path / "m.csv", "job1")
        keys = csv_keys(result.path)
        assert result.total_tasks == len(keys) == len(set(keys))
        return set(keys)

    return run_it


@contextmanager
def listed_prefixes(client) -> Iterator[list[str]]:
    """The Prefix of each ListObjectsV2 call `client` makes meanwhile (observed, not stubbed)."""
    seen: list[str] = []

    def hook(params, **_):
        seen.append(params.get("Prefix"))

    client.meta.events.register("provide-client-params.s3.ListObjectsV2", hook)
    try:
        yield seen
    finally:
        client.meta.events.unregister("provide-client-params.s3.ListObjectsV2", hook)


# --- Filters --------------------------------------------------------------------------


def test_no_filter_lists_everything_and_odd_keys_round_trip(run, src):
    assert run(src["bucket"]) == ALL_KEYS


def test_prefixes_are_listed_alone_and_covered_ones_dropped(run, client, src):
    with listed_prefixes(client) as prefixes:
        keys = run(src["bucket"], KeyNameConstraint={"MatchAnyPrefix": ["logs/2024/", "logs/", "cold/"]})
    assert keys == {"logs/2024/a.log", "logs/2024/b.txt", "logs/2025/c.log", "cold/ia.bin", "cold/glacier.bin"}
    assert prefixes == ["cold/", "logs/"]


def test_a_key_must_match_every_constraint_kind(run, src):
    constraint = {
        "MatchAnyPrefix": ["logs/", "data/"],
        "MatchAnySuffix": [".log", ".csv"],
        "MatchAnySubstring": ["202", "x"],
    }
    assert run(src["bucket"], KeyNameConstraint=constraint) == {"logs/2024/a.log", "logs/2025/c.log", "data/x.log"}


def test_suffix_and_substring_alone(run, src):
    assert run(src["bucket"], KeyNameConstraint={"MatchAnySuffix": [".txt", ".csv"]}) == {
        "logs/2024/b.txt", "data/report-final.csv",
    }  # fmt: skip
    assert run(src["bucket"], KeyNameConstraint={"MatchAnySubstring": ["日本", "+plus"]}) == {
        "odd/ünï 日本 #?&=.log", "odd/with space+plus%2B 100%.log",
    }  # fmt: skip


def test_sizes_are_strict(run, src):
    assert run(src["bucket"], ObjectSizeGreaterThanBytes=10, ObjectSizeLessThanBytes=1000) == {
        "logs/2024/b.txt", "data/report-final.csv", "odd/with space+plus%2B 100%.log", "logs/2025/c.log",
    }  # fmt: skip
    assert run(src["bucket"], ObjectSizeLessThanBytes=2) == {"odd/ünï 日本 #?&=.log"}


def test_storage_classes(run, src):
    assert run(src["bucket"], MatchAnyStorageClass=["STANDARD_IA", "GLACIER"]) == {"cold/ia.bin", "cold/glacier.bin"}
    assert len(run(src["bucket"], MatchAnyStorageClass=["STANDARD"])) == len(ALL_KEYS) - 2


def test_created_after_and_before_are_strict(run, src):
    assert run(src["bucket"], CreatedAfter=src["last_a"].isoformat()) == ALL_KEYS - A_KEYS
    assert run(src["bucket"], CreatedBefore=src["first_b"].isoformat()) == A_KEYS
    just_before_a = (src["last_a"] - timedelta(seconds=0.5)).isoformat()
    assert run(src["bucket"], CreatedAfter=just_before_a, CreatedBefore=src["first_b"].isoformat()) <= A_KEYS


def test_encryption_sse_s3_sse_c_and_none(run, src):
    assert run(src["bucket"], MatchAnyObjectEncryption=[{"SSES3": {}}]) == {"enc/sse-s3"}
    # SeaweedFS, like AWS, answers HEAD on an SSE-C object without its key with 400.
    assert run(src["bucket"], MatchAnyObjectEncryption=[{"SSEC": {}}]) == {"enc/sse-c"}
    assert run(src["bucket"], MatchAnyObjectEncryption=[{"NOTSSE": {}}]) == ALL_KEYS - {"enc/sse-s3", "enc/sse-c"}
    both = [{"SSES3": {}}, {"SSEC": {}}]
    assert run(src["bucket"], MatchAnyObjectEncryption=both, KeyNameConstraint={"MatchAnyPrefix": ["enc/"]}) == {
        "enc/sse-s3", "enc/sse-c",
    }  # fmt: skip


def test_encryption_kms_and_dsse_on_moto(moto_server, tmp_path):
    s3 = moto_server.client("s3", retries={"total_max_attempts": 1})
    bucket = make_bucket(s3, "kms")
    key1, key2 = "arn:aws:kms:us-east-1:123456789012:key/k1", "arn:aws:kms:us-east-1:123456789012:key/k2"
    s3.put_object(Bucket=bucket, Key="plain", Body=b"x")
    s3.put_object(Bucket=bucket, Key="kms1", Body=b"x", ServerSideEncryption="aws:kms", SSEKMSKeyId=key1)
    s3.put_object(Bucket=bucket, Key="kms2", Body=b"x", ServerSideEncryption="aws:kms", SSEKMSKeyId=key2,
                  BucketKeyEnabled=True)  # fmt: skip
    s3.put_object(Bucket=bucket, Key="dsse", Body=b"x", ServerSideEncryption="aws:kms:dsse", SSEKMSKeyId=key1)

    def keys(*encryption) -> set[str]:
        result = generate_manifest(generator(bucket, MatchAnyObjectEncryption=list(encryption)), s3,
                                   tmp_path / "m.csv", "j")  # fmt: skip
        return set(csv_keys(result.path))

    assert keys({"SSEKMS": {}}) == {"kms1", "kms2"}
    assert keys({"SSEKMS": {"KmsKeyArn": key1}}) == {"kms1"}
    assert keys({"SSEKMS": {"BucketKeyEnabled": True}}) == {"kms2"}
    assert keys({"SSEKMS": {"BucketKeyEnabled": False}}) == {"kms1"}
    assert keys({"DSSEKMS": {}}, {"NOTSSE": {}}) == {"dsse", "plain"}


def test_replication_statuses(run, src):
    # SeaweedFS replicates nothing: every object's status is NONE.
    assert run(src["bucket"], ObjectReplicationStatuses=["NONE"], KeyNameConstraint={"MatchAnyPrefix": ["logs/"]}) == {
        "logs/2024/a.log", "logs/2024/b.txt", "logs/2025/c.log",
    }  # fmt: skip
    with pytest.raises(ManifestError) as caught:
        run(src["bucket"], ObjectReplicationStatuses=["COMPLETED", "FAILED", "REPLICA"])
    assert caught.value.code == "EmptyManifest"


@pytest.mark.parametrize(
    ("head", "status"),
    [({}, "NONE"), ({"ReplicationStatus": "COMPLETE"}, "COMPLETED"), ({"ReplicationStatus": "COMPLETED"}, "COMPLETED"),
     ({"ReplicationStatus": "FAILED"}, "FAILED"), ({"ReplicationStatus": "REPLICA"}, "REPLICA"),
     ({"ReplicationStatus": "PENDING"}, "PENDING")],
)  # fmt: skip
def test_replication_status_of_a_head_answer(head, status):
    assert replication_status(head) == status


def test_encryption_kind_of_a_head_answer():
    heads = [{}, {"ServerSideEncryption": "AES256"}, {"ServerSideEncryption": "aws:kms"},
             {"ServerSideEncryption": "aws:kms:dsse"}, SSEC_HEAD]  # fmt: skip
    assert [encryption_kind(head) for head in heads] == ["NOTSSE", "SSES3", "SSEKMS", "DSSEKMS", "SSEC"]


# --- Pagination, empty results, errors -----------------------------------------------


def test_more_than_one_page(client, many, tmp_path):
    bucket, keys = many
    with listed_prefixes(client) as prefixes:
        result = generate_manifest(generator(bucket), client, tmp_path / "m.csv", "j")
    assert len(prefixes) == 2  # two ListObjectsV2 pages
    assert (result.total_tasks, result.listed_objects, result.output_location) == (1010, 1010, None)
    assert csv_keys(result.path) == sorted(keys)


def test_nothing_matched_is_an_error_and_writes_nothing(client, src, tmp_path):
    with pytest.raises(ManifestError) as caught:
        generate_manifest(generator(src["bucket"], ObjectSizeGreaterThanBytes=10**9), client, tmp_path / "m.csv", "j")
    assert caught.value.code == "EmptyManifest"
    assert f"listed {len(ALL_KEYS)} objects" in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_a_missing_bucket_is_an_error(client, tmp_path):
    with pytest.raises(ManifestError) as caught:
        generate_manifest(generator(f"gen-gone-{uuid.uuid4().hex[:8]}"), client, tmp_path / "m.csv", "j")
    assert caught.value.code == "NoSuchBucket"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("spec", "where"),
    [
        ({"Filter": {"EligibleForReplication": True}}, "Filter.EligibleForReplication"),
        ({"Filter": {"ObjectReplicationStatuses": ["DONE"]}}, "Filter.ObjectReplicationStatuses"),
        ({"Filter": {"MatchAnyObjectEncryption": [{"SSEKMS": {"Key": "x"}}]}},
         "Filter.MatchAnyObjectEncryption[0].SSEKMS"),
        ({"Filter": {"MatchAnyObjectEncryption": [{"SSES3": {}, "NOTSSE": {}}]}}, "Filter.MatchAnyObjectEncryption[0]"),
        ({"SourceBucket": "file:///tmp/x"}, "SourceBucket"),
        ({"EnableManifestOutput": True}, ""),
        ({"EnableManifestOutput": True, "ManifestOutputLocation": {
            "Bucket": "file:///tmp/out", "ManifestFormat": "S3InventoryReport_CSV_20211130",
            "ManifestEncryption": {"SSES3": {}}}}, "ManifestOutputLocation.ManifestEncryption"),
    ],
)  # fmt: skip
def test_refused_before_any_request(spec, where, tmp_path):
    full = {"SourceBucket": "arn:aws:s3:::b", "EnableManifestOutput": False} | spec
    with pytest.raises(InputError) as caught:
        generate_manifest(S3JobManifestGenerator.model_validate(full), None, tmp_path / "m.csv", "j")
    assert caught.value.where == f"ManifestGenerator.S3JobManifestGenerator{'.' + where if where else ''}"
    assert list(tmp_path.iterdir()) == []


def test_eligible_for_replication_says_it_runs_only_on_aws(tmp_path):
    with pytest.raises(InputError, match="runs only on AWS") as caught:
        generate_manifest(generator("b", EligibleForReplication=True), None, tmp_path / "m.csv", "j")
    assert caught.value.code == "UnsupportedParameter"


class Throttled(ScriptedHandler):
    """Answers the first ListObjectsV2 with 503 SlowDown, then with a one-key listing."""

    received = 0
    LISTING = (
        b'<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
        b"<Name>bkt</Name><Prefix></Prefix><KeyCount>1</KeyCount><MaxKeys>1000</MaxKeys>"
        b"<IsTruncated>false</IsTruncated>"
        b"<Contents><Key>k</Key><LastModified>2024-01-01T00:00:00.000Z</LastModified><ETag>&quot;e&quot;</ETag>"
        b"<Size>1</Size><StorageClass>STANDARD</StorageClass></Contents></ListBucketResult>"
    )

    def do_GET(self):  # noqa: N802 - http.server's naming
        type(self).received += 1
        first = type(self).received == 1
        body = b"<Error><Code>SlowDown</Code><Message>slow</Message></Error>" if first else self.LISTING
        self.reply(503 if first else 200, body)


def test_a_throttled_listing_is_retried(tmp_path):
    with serve(Throttled, received=0) as (url, handler):
        config = Config(retries={"total_max_attempts": 1}, s3={"addressing_style": "path"})
        s3 = boto3.client("s3", endpoint_url=url, region_name="us-east-1",
                          aws_access_key_id="x", aws_secret_access_key="y", config=config)  # fmt: skip
        result = generate_manifest(generator("bkt"), Retrying().client(s3), tmp_path / "m.csv", "j")
    assert handler.received == 2
    assert (result.total_tasks, (tmp_path / "m.csv").read_text()) == (1, "bkt,k\n")


# --- Output location: written in inventory shape, read back by the inventory reader ----


def test_output_to_s3_reads_back_as_an_inventory(client, src, tmp_path):
    out = make_bucket(client, "out")
    spec = generator(src["bucket"], {"Bucket": f"arn:aws:s3:::{out}", "ManifestPrefix": "/gen/out/",
                                     "ManifestEncryption": {"SSES3": {}}})  # fmt: skip
    result = generate_manifest(spec, client, tmp_path / "m.csv", "job-abc")
    key = "gen/out/job-job-abc/manifest.json"
    assert result.output_location == f"s3://{out}/{key}"
    etag = client.head_object(Bucket=out, Key=key)["ETag"]
    inventory = InventoryManifest(ManifestLocation(object_arn=f"arn:aws:s3:::{out}/{key}", etag=etag), client)
    entries = list(inventory.entries())
    expected = [(src["bucket"], key, None) for key in csv_keys(result.path)]
    assert [(e.bucket, e.key, e.version_id) for e in entries] == expected
    assert {e.key for e in entries} == ALL_KEYS
    (data,) = [o["Key"] for o in client.list_objects_v2(Bucket=out, Prefix="gen/out/job-job-abc/data/")["Contents"]]
    assert data.endswith(".csv.gz")
    assert client.head_object(Bucket=out, Key=data)["ServerSideEncryption"] == "AES256"


def test_output_to_a_directory_in_several_data_files(client, many, tmp_path):
    bucket, keys = many
    result = generate_manifest(generator(bucket), client, tmp_path / "m.csv", "j")
    output = generator(bucket, {"Bucket": f"file://{tmp_path}/out", "ManifestPrefix": "p"}).manifest_output_location
    location, etag = write_manifest_output(result.path, bucket, output, "j", client, rows_per_file=400)
    manifest_json = tmp_path / "out" / "p" / "job-j" / "manifest.json"
    assert location == f"file://{manifest_json}"
    assert etag == hashlib.md5(manifest_json.read_bytes()).hexdigest()  # as S3 would give it
    assert len(list((manifest_json.parent / "data").iterdir())) == 3
    entries = list(InventoryManifest(ManifestLocation(object_arn=location)).entries())
    assert [e.key for e in entries] == sorted(keys)


def test_generate_with_file_output_returns_its_location(client, src, tmp_path):
    output = {"Bucket": f"file://{tmp_path}/out"}
    spec = generator(src["bucket"], output, KeyNameConstraint={"MatchAnyPrefix": ["odd/"]})
    result = generate_manifest(spec, client, tmp_path / "m.csv", "j2")
    assert result.output_location == f"file://{tmp_path}/out/job-j2/manifest.json"
    entries = InventoryManifest(ManifestLocation(object_arn=result.output_location)).entries()
    assert {e.key for e in entries} == {"odd/with space+plus%2B 100%.log", "odd/ünï 日本 #?&=.log"}


# --- Example ----------------------------------------------------------------------------


def test_the_example_loads():
    spec = load_job_spec(EXAMPLES / "manifest-generator-tagging.json")
    assert spec.manifest is None and spec.operation.name == "S3PutObjectTagging"
    generator_spec = spec.manifest_generator.s3_job_manifest_generator
    assert generator_spec.enable_manifest_output
    assert generator_spec.manifest_output_location.bucket.startswith("file://")
