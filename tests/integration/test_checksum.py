"""S3ComputeObjectChecksum against the checksums the servers compute and store themselves.

SeaweedFS stores CRC32/SHA1/SHA256 checksums it computes on upload, checks CRC32C and
CRC64NVME values sent with an upload (a wrong one is refused with BadDigest), builds
S3's composite checksums for multipart uploads and serves single parts (GetObject
PartNumber). It refuses SHA512 uploads, which moto accepts. moto ignores PartNumber
on GetObject, which is how the COMPOSITE refusal path is tested.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import tracemalloc
import uuid
import zlib
from pathlib import Path
from urllib.parse import quote_plus

import pytest
from botocore.exceptions import ClientError

from s3batch_tui.cli import main
from s3batch_tui.core.engine.retry import RetryPolicy
from s3batch_tui.core.errors import InputError
from s3batch_tui.core.manifest.entry import ManifestEntry
from s3batch_tui.core.operations import checksum, registry
from s3batch_tui.core.operations.base import OperationContext, TaskOutcome
from s3batch_tui.core.operations.checksum import ComputeObjectChecksumOperation
from s3batch_tui.core.operations.crc import CRC32C, CRC64NVME
from s3batch_tui.core.report import open_report
from s3batch_tui.core.spec import ComputeObjectChecksum, load_job_spec

REPO = Path(__file__).resolve().parents[2]
MIB = 1024 * 1024
RNG = random.Random(7)
PARTS = [RNG.randbytes(5 * MIB), RNG.randbytes(5 * MIB), RNG.randbytes(MIB + 123)]


def b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode()


def crc_b64(model, data: bytes) -> str:
    return b64(model.checksum(data).to_bytes(model.width // 8, "big"))


def compute(s3, bucket: str, key: str, algorithm: str, kind: str | None = None, version: str | None = None) -> dict:
    """Run the operation on one object; its ResultMessage, parsed."""
    outcome = run(s3, bucket, key, algorithm, kind, version)
    assert outcome.succeeded, outcome
    return json.loads(outcome.message)


def run(s3, bucket, key, algorithm, kind=None, version=None) -> TaskOutcome:
    params = ComputeObjectChecksum(checksum_algorithm=algorithm, checksum_type=kind)
    op = ComputeObjectChecksumOperation(params, OperationContext(s3=s3, job_id="job"))
    outcome, _ = RetryPolicy(max_attempts=1).execute(op, ManifestEntry(0, bucket, key, version, quote_plus(key)))
    return outcome


def stored(s3, bucket: str, key: str, algorithm: str) -> tuple[str, str]:
    """(checksum, checksum type) the server stored for the object."""
    head = s3.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    return head[f"Checksum{algorithm}"], head.get("ChecksumType", "FULL_OBJECT")


def upload_in_parts(s3, bucket: str, key: str, algorithm: str, kind: str = "COMPOSITE") -> None:
    """A multipart upload of PARTS; CRC32C values are computed here and checked by the server."""
    upload = s3.create_multipart_upload(Bucket=bucket, Key=key, ChecksumAlgorithm=algorithm, ChecksumType=kind)
    done = []
    for number, data in enumerate(PARTS, 1):
        # botocore cannot compute CRC32C without awscrt, so the value is sent ready-made.
        extra = {"ChecksumCRC32C": crc_b64(CRC32C, data)} if algorithm == "CRC32C" else {"ChecksumAlgorithm": algorithm}
        part = s3.upload_part(
            Bucket=bucket, Key=key, UploadId=upload["UploadId"], PartNumber=number, Body=data, **extra
        )
        done.append({"PartNumber": number, "ETag": part["ETag"], f"Checksum{algorithm}": part[f"Checksum{algorithm}"]})
    extra = {}
    if kind == "FULL_OBJECT":  # CRC32 only, here
        extra = {"ChecksumCRC32": b64(zlib.crc32(b"".join(PARTS)).to_bytes(4, "big")), "ChecksumType": kind}
    s3.complete_multipart_upload(
        Bucket=bucket, Key=key, UploadId=upload["UploadId"], MultipartUpload={"Parts": done}, **extra
    )


@pytest.fixture(scope="module")
def shared(seaweed) -> tuple[object, str]:
    """A SeaweedFS client and a bucket shared by the module (a new bucket's first write is slow)."""
    s3 = seaweed.client()
    name = f"checksum-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=name)
    return s3, name


@pytest.fixture(scope="module")
def multipart(shared) -> dict[str, str]:
    """Multipart objects uploaded with composite SHA256, CRC32, CRC32C and full-object CRC32."""
    s3, bucket = shared
    keys = {"SHA256": "mp/sha256", "CRC32": "mp/crc32", "CRC32C": "mp/crc32c", "FULL_CRC32": "mp/full-crc32"}
    for algorithm in ("SHA256", "CRC32", "CRC32C"):
        upload_in_parts(s3, bucket, keys[algorithm], algorithm)
    upload_in_parts(s3, bucket, keys["FULL_CRC32"], "CRC32", "FULL_OBJECT")
    return keys


# --- FULL_OBJECT ---------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["CRC32", "SHA1", "SHA256"])
def test_full_object_equals_the_checksum_seaweedfs_computed_on_upload(shared, algorithm):
    s3, bucket = shared
    key = f"single/{algorithm} ü+%.bin"
    s3.put_object(Bucket=bucket, Key=key, Body=RNG.randbytes(3 * MIB + 5), ChecksumAlgorithm=algorithm)
    result = compute(s3, bucket, key, algorithm)
    value, kind = stored(s3, bucket, key, algorithm)
    assert (result["checksum_base64"], result["checksumType"], kind) == (value, "FULL_OBJECT", "FULL_OBJECT")
    assert result["checksum_hex"] == base64.b64decode(value).hex().upper() and result["checksumAlgorithm"] == algorithm
    assert result["etag"] == s3.head_object(Bucket=bucket, Key=key)["ETag"].strip('"')


@pytest.mark.parametrize("model", [CRC32C, CRC64NVME], ids=["CRC32C", "CRC64NVME"])
def test_crc32c_and_crc64nvme_equal_the_values_seaweedfs_verified(shared, model):
    s3, bucket = shared
    algorithm = "CRC32C" if model is CRC32C else "CRC64NVME"
    data = RNG.randbytes(2 * MIB + 77)
    wrong = b64(bytes(model.width // 8))
    with pytest.raises(ClientError, match="BadDigest"):  # the server really checks what it is sent
        s3.put_object(Bucket=bucket, Key=f"crc/{algorithm}", Body=data, **{f"Checksum{algorithm}": wrong})
    s3.put_object(Bucket=bucket, Key=f"crc/{algorithm}", Body=data, **{f"Checksum{algorithm}": crc_b64(model, data)})
    result = compute(s3, bucket, f"crc/{algorithm}", algorithm)
    assert result["checksum_base64"] == stored(s3, bucket, f"crc/{algorithm}", algorithm)[0]


def test_md5_of_a_single_part_object_is_its_etag(shared):
    s3, bucket = shared
    s3.put_object(Bucket=bucket, Key="single/md5", Body=RNG.randbytes(MIB))
    result = compute(s3, bucket, "single/md5", "MD5")
    etag = s3.head_object(Bucket=bucket, Key="single/md5")["ETag"].strip('"')
    assert result["checksum_hex"] == result["etag"].upper() == etag.upper()


def test_sha512_equals_what_moto_stored(moto_server):
    s3 = moto_server.client()
    bucket = f"sha512-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=RNG.randbytes(MIB + 1), ChecksumAlgorithm="SHA512")
    assert compute(s3, bucket, "k", "SHA512")["checksum_base64"] == stored(s3, bucket, "k", "SHA512")[0]


def test_full_object_of_a_multipart_object_covers_all_its_bytes(shared, multipart):
    s3, bucket = shared
    whole = b"".join(PARTS)
    assert compute(s3, bucket, multipart["SHA256"], "SHA256")["checksum_hex"] == hashlib.sha256(whole).hexdigest().upper()
    assert compute(s3, bucket, multipart["CRC32"], "MD5")["checksum_hex"] == hashlib.md5(whole).hexdigest().upper()
    full = compute(s3, bucket, multipart["FULL_CRC32"], "CRC32")
    assert (full["checksum_base64"], "FULL_OBJECT") == stored(s3, bucket, multipart["FULL_CRC32"], "CRC32")
    assert full["etag"].endswith("-3")


# --- COMPOSITE -----------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["SHA256", "CRC32", "CRC32C"])
def test_composite_equals_the_servers_composite_checksum_of_the_parts(shared, multipart, algorithm):
    s3, bucket = shared
    result = compute(s3, bucket, multipart[algorithm], algorithm, "COMPOSITE")
    value, kind = stored(s3, bucket, multipart[algorithm], algorithm)
    assert (result["checksum_base64"], result["checksumType"]) == (value, kind) == (value, "COMPOSITE")
    assert value.endswith("-3") and result["checksum_hex"].endswith("-3")


def test_composite_of_a_single_part_object_is_its_full_object_checksum(shared):
    s3, bucket = shared
    s3.put_object(Bucket=bucket, Key="single/c", Body=b"hello", ChecksumAlgorithm="SHA256")
    s3.put_object(Bucket=bucket, Key="single/empty", Body=b"")
    result = compute(s3, bucket, "single/c", "SHA256", "COMPOSITE")
    assert (result["checksum_base64"], result["checksumType"]) == stored(s3, bucket, "single/c", "SHA256")
    empty = compute(s3, bucket, "single/empty", "CRC32", "COMPOSITE")
    assert (empty["checksum_hex"], empty["checksumType"]) == ("00000000", "FULL_OBJECT")


def test_composite_on_a_server_that_ignores_part_number_fails_clearly(moto_server):
    s3 = moto_server.client()
    bucket = f"composite-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    upload_in_parts(s3, bucket, "mp", "SHA256")
    outcome = run(s3, bucket, "mp", "SHA256", "COMPOSITE")
    assert (outcome.succeeded, outcome.http_status, outcome.error_code) == (False, 501, "NotImplemented")
    assert "ignored PartNumber=1" in outcome.message


# --- versions, errors, refusals, memory ---------------------------------------------------


def test_a_version_id_reads_that_exact_version(shared, seaweed):
    s3 = seaweed.client()
    bucket = f"checksum-ver-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    old = s3.put_object(Bucket=bucket, Key="k", Body=b"old")["VersionId"]
    s3.put_object(Bucket=bucket, Key="k", Body=b"new")
    assert compute(s3, bucket, "k", "SHA1", version=old)["checksum_hex"] == hashlib.sha1(b"old").hexdigest().upper()
    assert compute(s3, bucket, "k", "SHA1")["checksum_hex"] == hashlib.sha1(b"new").hexdigest().upper()


def test_a_missing_object_fails_with_the_servers_error(shared):
    s3, bucket = shared
    outcome = run(s3, bucket, "no/such/key", "SHA256")
    assert (outcome.succeeded, outcome.http_status, outcome.error_code) == (False, 404, "NoSuchKey")


def test_impossible_or_unavailable_combinations_are_refused_when_the_job_is_built(shared, monkeypatch):
    context = OperationContext(s3=shared[0], job_id="j")
    with pytest.raises(InputError, match="only the FULL_OBJECT checksum type") as caught:
        ComputeObjectChecksumOperation(ComputeObjectChecksum(checksum_algorithm="CRC64NVME", checksum_type="COMPOSITE"),
                                       context)  # fmt: skip
    assert caught.value.where == "Operation.S3ComputeObjectChecksum.ChecksumType"
    monkeypatch.setattr(checksum, "_crt", None)  # as on a machine without awscrt
    with pytest.raises(InputError, match="XXHASH64 is not supported locally without the awscrt package"):
        ComputeObjectChecksumOperation(ComputeObjectChecksum(checksum_algorithm="XXHASH64"), context)


@pytest.fixture(scope="module")
def big_object(shared) -> tuple[str, dict[str, str]]:
    """A 24 MiB object (shared: SeaweedFS slows down with every MiB stored) and its checksums."""
    s3, bucket = shared
    body = RNG.randbytes(24 * MIB)
    s3.put_object(Bucket=bucket, Key="big/object", Body=body)
    return "big/object", {"CRC64NVME": crc_b64(CRC64NVME, body), "SHA256": b64(hashlib.sha256(body).digest())}


@pytest.mark.parametrize("algorithm", ["SHA256", "CRC64NVME"])
def test_memory_stays_flat_whatever_the_object_size(shared, big_object, algorithm):
    s3, bucket = shared
    key, expected = big_object
    tracemalloc.start()
    try:
        result = compute(s3, bucket, key, algorithm)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result["checksum_base64"] == expected[algorithm]
    assert peak < 4 * MIB, f"peak {peak / MIB:.1f} MiB while reading a 24 MiB object"


# --- a whole job ---------------------------------------------------------------------------


def test_a_job_writes_each_checksum_into_the_report(shared, server_env, monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(registry.OPERATIONS, ComputeObjectChecksumOperation.name, ComputeObjectChecksumOperation)
    s3, bucket = shared
    bodies = {f"job/{i} é.txt": f"body {i}".encode() for i in range(3)}
    for key, body in bodies.items():
        s3.put_object(Bucket=bucket, Key=key, Body=body)
    job = json.loads((REPO / "examples" / "compute-object-checksum.json").read_text())
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("".join(f"{bucket},{quote_plus(k)}\n" for k in bodies), encoding="utf-8")
    job["Manifest"]["Location"]["ObjectArn"] = f"file://{manifest}"
    job["Report"]["Bucket"] = f"file://{tmp_path / 'reports'}"
    (tmp_path / "job.json").write_text(json.dumps(job))
    assert main(["run", str(tmp_path / "job.json")]) == 0
    job_id = capsys.readouterr().out.splitlines()[0]
    assert main(["job", "show", job_id, "--json"]) == 0
    location = json.loads(capsys.readouterr().out)["Job"]["Local"]["ReportLocation"]
    rows = {r.decoded_key: json.loads(r.result_message) for r in open_report(location).rows() if r.succeeded}
    expected = {key: hashlib.sha256(body).hexdigest().upper() for key, body in bodies.items()}
    assert {key: result["checksum_hex"] for key, result in rows.items()} == expected
    assert {(r["checksumAlgorithm"], r["checksumType"]) for r in rows.values()} == {("SHA256", "FULL_OBJECT")}


def test_the_example_loads():
    spec = load_job_spec(REPO / "examples" / "compute-object-checksum.json")
    assert spec.operation.name == "S3ComputeObjectChecksum" and spec.operation.params.checksum_algorithm == "SHA256"


def test_xxhash_with_awscrt_gives_the_published_empty_input_values(shared):
    pytest.importorskip("awscrt.checksums")
    s3, bucket = shared
    s3.put_object(Bucket=bucket, Key="single/xx-empty", Body=b"")
    known = {"XXHASH64": "ef46db3751d8e999", "XXHASH3": "2d06800538d394c2",
             "XXHASH128": "99aa06d3014798d86001c324468d497f"}  # fmt: skip
    assert {a: compute(s3, bucket, "single/xx-empty", a)["checksum_hex"] for a in known} == {a: value.upper() for a, value in known.items()}
