"""`run --dry-run` (issue 7 item 5): predictions from a real server; nothing changed, nothing stored."""

from __future__ import annotations

import json
import uuid

import pytest

from s3batch_tui.cli import main
from s3batch_tui.core.dry_run import dry_run
from s3batch_tui.core.s3 import AwsSettings, ClientFactory
from s3batch_tui.core.spec import JobSpec
from tests.integration.conftest import job_document, seed_objects, write_manifest
from tests.integration.test_cli import run_cli


def write_job(tmp_path, document: dict):
    path = tmp_path / "job.json"
    path.write_text(json.dumps(document))
    return path


def nothing_stored(tmp_path) -> bool:
    return not (tmp_path / "home").exists()


def test_a_tagging_dry_run_finds_missing_and_repeated_objects_and_changes_nothing(server_env, capsys, s3, bucket,
                                                                                  tmp_path):  # fmt: skip
    keys = [f"dir/obj {i:03d}.txt" for i in range(20)]
    seed_objects(s3, bucket, keys)
    manifest = write_manifest(tmp_path / "m.csv", bucket, [*keys, "dir/gone-1", "dir/gone-2", keys[3]])
    path = write_job(tmp_path, job_document(manifest, tmp_path / "reports"))
    code, out, err = run_cli(capsys, "run", "--dry-run", "--sample", "all", str(path))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "Dry run of S3PutObjectTagging: nothing was changed and no job was stored."
    assert lines[1] == "Tasks: 23 in the manifest; HEAD of every object."
    assert "- 2 objects: missing (object not found): these tasks fail with 404" in lines
    assert f"    e.g. s3://{bucket}/dir/gone-1" in lines and f"    e.g. s3://{bucket}/dir/gone-2" in lines
    assert "- 1 tasks: objects listed more than once (each gets the operation again)" in lines
    assert any(line.startswith("AWS price: $0.25 for Batch Operations (plus") for line in lines)
    assert any(line.startswith("Local run time: about ") and "ms median" in line for line in lines)
    assert all(s3.get_object_tagging(Bucket=bucket, Key=key)["TagSet"] == [] for key in keys)
    assert nothing_stored(tmp_path) and not (tmp_path / "reports").exists()


def test_a_sample_heads_only_that_many_and_scales_the_counts(server_env, capsys, s3, bucket, tmp_path):
    keys = [f"k{i:04d}" for i in range(150)]
    seed_objects(s3, bucket, keys)
    missing = [f"gone{i:04d}" for i in range(150)]
    manifest = write_manifest(tmp_path / "m.csv", bucket, keys + missing)
    path = write_job(tmp_path, job_document(manifest, None))
    code, out, _ = run_cli(capsys, "run", "--dry-run", "--sample", "40", str(path))
    assert code == 0
    assert "Tasks: 300 in the manifest; HEAD of a sample of 40." in out
    (line,) = [line for line in out.splitlines() if "missing (object not found)" in line]
    sampled = int(line.split()[1])
    assert 5 <= sampled <= 35  # about half of 40, from a uniform sample
    assert f"{sampled} of 40 sampled (about {round(sampled * 300 / 40)} of all)" in line
    assert nothing_stored(tmp_path)


def test_a_copy_dry_run_finds_collisions_and_multipart_sizes(server_env, capsys, s3, bucket, tmp_path):
    other = f"{bucket}-b"
    target = f"{bucket}-t"
    for name in (other, target):
        s3.create_bucket(Bucket=name)
    seed_objects(s3, bucket, ["same/key", "small"])
    seed_objects(s3, other, ["same/key"])
    s3.put_object(Bucket=bucket, Key="big", Body=b"b" * (6 * 1024 * 1024))
    manifest = tmp_path / "m.csv"
    manifest.write_text(f"{bucket},same/key\n{other},same/key\n{bucket},small\n{bucket},big\n")
    document = job_document(manifest, None, {"S3PutObjectCopy": {"TargetResource": f"arn:aws:s3:::{target}",
                                                                 "TargetKeyPrefix": "copied"}},
                            LocalOptions={"MultipartCopyThresholdBytes": 5 * 1024 * 1024})  # fmt: skip
    code, out, err = run_cli(capsys, "run", "--dry-run", "--sample", "all", str(write_job(tmp_path, document)))
    assert code == 0, err
    assert "- 1 tasks: copies that go to the same target key (the later copy overwrites the earlier)" in out
    assert f"    e.g. s3://{bucket}/same/key and s3://{other}/same/key both go to s3://{target}/copied/same/key" in out
    assert "- 1 objects: larger than 5,242,880 bytes (CopyObject's 5 GiB limit by default): copied in parts" in out
    assert f"    e.g. s3://{bucket}/big (6,291,456 bytes)" in out
    assert s3.list_objects_v2(Bucket=target).get("KeyCount", 0) == 0


def test_retention_on_a_bucket_without_object_lock_is_predicted_exactly(server_env, capsys, s3, bucket, tmp_path):
    keys = seed_objects(s3, bucket, ["a", "b", "c"]) or ["a", "b", "c"]
    manifest = write_manifest(tmp_path / "m.csv", bucket, keys)
    operation = {"S3PutObjectRetention": {"Retention": {"Mode": "GOVERNANCE", "RetainUntilDate": "2099-01-01T00:00:00Z"}}}
    code, out, err = run_cli(capsys, "run", "--dry-run", "--sample", "1",
                             str(write_job(tmp_path, job_document(manifest, None, operation))))  # fmt: skip
    assert code == 0, err
    assert "- 3 tasks: in a bucket without Object Lock: these tasks fail (InvalidRequest)" in out
    assert f"    e.g. s3://{bucket} (3 tasks)" in out


def test_version_ids_in_an_unversioned_bucket_are_predicted_to_fail(server_env, capsys, s3, bucket, tmp_path):
    seed_objects(s3, bucket, ["v"])
    manifest = tmp_path / "m.csv"
    manifest.write_text(f"{bucket},v,no-such-version\n{bucket},v,null\n")
    document = job_document(manifest, None)
    document["Manifest"]["Spec"]["Fields"] = ["Bucket", "Key", "VersionId"]
    code, out, _ = run_cli(capsys, "run", "--dry-run", str(write_job(tmp_path, document)))
    assert code == 0
    assert "- 1 tasks: name a version in a bucket that was never versioned" in out


def test_a_restore_dry_run_sorts_objects_by_storage_class(moto_server, tmp_path, monkeypatch):
    s3 = moto_server.client("s3")
    bucket = f"dry-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="standard", Body=b"s")
    for key in ("cold", "thawed"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"g", StorageClass="GLACIER")
    s3.restore_object(Bucket=bucket, Key="thawed", RestoreRequest={"Days": 1})
    manifest = write_manifest(tmp_path / "m.csv", bucket, ["standard", "cold", "thawed"])
    spec = JobSpec.model_validate(job_document(manifest, None, {"S3InitiateRestoreObject": {}}))
    for name, value in moto_server.env().items():
        monkeypatch.setenv(name, value)
    clients = ClientFactory(AwsSettings(endpoint_url=moto_server.endpoint_url))
    result = dry_run(spec, clients, sample=None, workers=2)
    titles = {code: (f.count, f.examples) for code, f in result.findings.items()}
    assert titles["wrong-class"] == (1, [f"s3://{bucket}/standard (STANDARD)"])
    assert titles["no-days"] == (1, [f"s3://{bucket}/cold (GLACIER)"])
    assert titles["restored"] == (1, [f"s3://{bucket}/thawed (GLACIER)"])
    assert s3.head_object(Bucket=bucket, Key="cold").get("Restore") is None  # nothing was restored


@pytest.mark.parametrize("argv, message", [
    (["--sample", "0"], "--sample: expected a positive number or 'all', got '0'"),
    (["--sample", "some"], "--sample: expected a positive number or 'all', got 'some'"),
])  # fmt: skip
def test_a_bad_sample_is_refused(server_env, capsys, make_job, tmp_path, argv, message):
    job_path, _ = make_job(1)
    with pytest.raises(SystemExit) as exited:
        main(["run", "--dry-run", *argv, str(job_path)])
    assert exited.value.code == 2 and message in capsys.readouterr().err


def test_a_dry_run_with_a_malformed_manifest_or_a_wrong_endpoint_exits_two(server_env, capsys, make_job, tmp_path):
    job_path, _ = make_job(2)
    code, out, err = run_cli(capsys, "--endpoint-url", "http://127.0.0.1:1", "run", "--dry-run", str(job_path))
    assert code == 2 and out == "" and "cannot reach the S3 endpoint http://127.0.0.1:1" in err
    manifest = tmp_path / "job.csv"
    manifest.write_text(manifest.read_text() + "only-one-column\n")
    code, out, err = run_cli(capsys, "run", "--dry-run", str(job_path))
    assert code == 2 and out == "" and "line 3" in err
    assert nothing_stored(tmp_path)


def test_a_generator_dry_run_lists_the_source_and_writes_no_manifest_output(server_env, capsys, s3, bucket, tmp_path):
    seed_objects(s3, bucket, ["logs/a.log", "logs/b.log", "other.txt"])
    output = tmp_path / "generated"
    document = {
        "Operation": {"S3PutObjectTagging": {"TagSet": [{"Key": "k", "Value": "v"}]}},
        "ManifestGenerator": {"S3JobManifestGenerator": {
            "SourceBucket": f"arn:aws:s3:::{bucket}", "EnableManifestOutput": True,
            "ManifestOutputLocation": {"Bucket": f"file://{output}", "ManifestFormat": "S3InventoryReport_CSV_20211130"},
            "Filter": {"KeyNameConstraint": {"MatchAnyPrefix": ["logs/"]}},
        }},
        "Report": {"Enabled": False},
    }  # fmt: skip
    code, out, err = run_cli(capsys, "run", "--dry-run", str(write_job(tmp_path, document)))
    assert code == 0, err
    assert "Tasks: 2 in the manifest; HEAD of every object." in out and "No problem found." in out
    assert not output.exists() and nothing_stored(tmp_path)
    assert s3.get_object_tagging(Bucket=bucket, Key="logs/a.log")["TagSet"] == []


def test_sample_without_dry_run_is_refused_before_anything_is_stored(server_env, capsys, make_job, tmp_path):
    job_path, _ = make_job(1)
    code, out, err = run_cli(capsys, "run", "--sample", "5", str(job_path))
    assert (code, out, err) == (2, "", "s3batch-tui: error: --sample applies only with --dry-run\n")
    assert nothing_stored(tmp_path)
