"""Hostile job files and manifests through the CLI: exit 2, short errors, nothing touched."""

from __future__ import annotations

import json

from tests.integration.test_cli import run_cli

DEEP = "[" * 200_000


def test_a_deeply_nested_job_file_exits_two_and_stores_nothing(server_env, capsys, tmp_path):
    job = tmp_path / "deep.json"
    job.write_text(DEEP)
    for argv in (["run", str(job)], ["job", "create", str(job)], ["run", "--dry-run", str(job)]):
        code, out, err = run_cli(capsys, *argv)
        assert code == 2 and out == ""
        assert err == f"s3batch-tui: error: {job}: JSON nested too deeply (arrays or objects inside each other beyond any real document)\n"
    assert not (tmp_path / "home").exists()


def test_a_deeply_nested_inventory_manifest_fails_the_job_in_preparing(server_env, capsys, tmp_path, s3, bucket):
    s3.put_object(Bucket=bucket, Key="keep", Body=b"x")
    manifest = tmp_path / "inventory" / "manifest.json"
    manifest.parent.mkdir()
    manifest.write_text(DEEP)
    job = {
        "Operation": {"S3PutObjectTagging": {"TagSet": [{"Key": "k", "Value": "v"}]}},
        "Manifest": {"Spec": {"Format": "S3InventoryReport_CSV_20161130"},
                     "Location": {"ObjectArn": f"file://{manifest}"}},
        "Report": {"Enabled": False},
        "Priority": 1,
    }  # fmt: skip
    path = tmp_path / "job.json"
    path.write_text(json.dumps(job))
    code, out, err = run_cli(capsys, "run", str(path))
    assert code == 2, err
    job_id = out.splitlines()[0]
    _, shown, _ = run_cli(capsys, "job", "show", job_id, "--json")
    record = json.loads(shown)["Job"]
    assert record["Status"] == "Failed"
    history = [h["Status"] for h in record["Local"]["StatusHistory"]]
    assert [s for s in history if s != "Failing"] == ["New", "Preparing", "Failed"]  # no task ever ran
    (reason,) = record["FailureReasons"]
    assert reason["FailureCode"] == "ManifestError"
    assert reason["FailureReason"] == f"{manifest}: JSON nested too deeply (arrays or objects inside each other beyond any real document)"
    assert s3.get_object_tagging(Bucket=bucket, Key="keep")["TagSet"] == []


def test_a_huge_object_arn_gives_a_short_error_line(server_env, capsys, tmp_path):
    job = {
        "Operation": {"S3PutObjectTagging": {"TagSet": []}},
        "Manifest": {"Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]},
                     "Location": {"ObjectArn": "arn:" + "q" * 10_000_000, "ETag": "e"}},
        "Report": {"Enabled": False},
    }  # fmt: skip
    path = tmp_path / "big.json"
    path.write_text(json.dumps(job))
    code, out, err = run_cli(capsys, "run", str(path))
    assert code == 2 and out == ""
    assert len(err) < 600 and "Manifest.Location.ObjectArn" in err and "more)" in err
    assert not (tmp_path / "home").exists()
