"""LocalDeleteObject's confirmation and the manifest generator, end to end through the CLI."""

from __future__ import annotations

import json

from s3batch_tui.cli import main
from tests.integration.conftest import job_document, seed_objects, write_manifest


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def remaining(s3, bucket) -> list[str]:
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", []))


def delete_job(tmp_path, bucket, keys, confirmed: bool):
    manifest = write_manifest(tmp_path / "delete.csv", bucket, keys)
    document = job_document(manifest, tmp_path / "reports", {"LocalDeleteObject": {"Confirmed": confirmed}})
    path = tmp_path / "delete.json"
    path.write_text(json.dumps(document))
    return path


def test_an_unconfirmed_delete_job_fails_in_preparing_and_deletes_nothing(server_env, capsys, tmp_path, s3, bucket):
    keys = [f"old/{i}.log" for i in range(5)]
    seed_objects(s3, bucket, keys)
    code, out, err = run(capsys, "run", str(delete_job(tmp_path, bucket, keys, confirmed=False)))
    assert code == 2
    assert "deleting needs confirmation" in out and "--yes-delete" in out
    assert remaining(s3, bucket) == keys


def test_yes_delete_prints_the_count_first_then_deletes(server_env, capsys, tmp_path, s3, bucket):
    keys = [f"old/{i}.log" for i in range(5)]
    seed_objects(s3, bucket, keys + ["keep/me.txt"])
    code, out, err = run(capsys, "run", str(delete_job(tmp_path, bucket, keys, confirmed=False)), "--yes-delete")
    assert code == 0, err
    assert "This job deletes 5 objects" in err
    assert err.index("This job deletes 5 objects") < err.index("Active")
    assert remaining(s3, bucket) == ["keep/me.txt"]


def test_a_confirmed_job_file_deletes_without_the_flag(server_env, capsys, tmp_path, s3, bucket):
    seed_objects(s3, bucket, ["a", "b"])
    code, _, err = run(capsys, "run", str(delete_job(tmp_path, bucket, ["a", "b"], confirmed=True)))
    assert code == 0, err
    assert remaining(s3, bucket) == []


def test_a_generator_job_lists_the_bucket_and_tags_what_matches(server_env, capsys, tmp_path, s3, bucket):
    seed_objects(s3, bucket, ["logs/a.log", "logs/b.txt", "img/c.log"])
    document = job_document(tmp_path / "unused.csv", tmp_path / "reports")
    del document["Manifest"]
    document["ManifestGenerator"] = {"S3JobManifestGenerator": {
        "SourceBucket": f"arn:aws:s3:::{bucket}", "EnableManifestOutput": False,
        "Filter": {"KeyNameConstraint": {"MatchAnyPrefix": ["logs/"], "MatchAnySuffix": [".log"]}},
    }}  # fmt: skip
    path = tmp_path / "generated.json"
    path.write_text(json.dumps(document))
    code, out, err = run(capsys, "run", str(path))
    assert code == 0, err
    assert "Tasks: 1 total, 1 succeeded" in out
    tagged = {k: s3.get_object_tagging(Bucket=bucket, Key=k)["TagSet"] for k in ("logs/a.log", "logs/b.txt", "img/c.log")}
    assert tagged == {"logs/a.log": [{"Key": "done", "Value": "yes"}], "logs/b.txt": [], "img/c.log": []}
    _, shown, _ = run(capsys, "job", "show", out.splitlines()[0], "--json")
    identity = json.loads(shown)["Job"]["Local"]["ManifestIdentity"]
    assert identity["generated_from"] == f"arn:aws:s3:::{bucket}" and identity["listed_objects"] == 2


def test_a_generator_job_that_writes_its_manifest_describes_it_as_aws_does(server_env, capsys, tmp_path, s3, bucket):
    seed_objects(s3, bucket, ["logs/a.log", "logs/b.log"])
    document = job_document(tmp_path / "unused.csv", None)
    del document["Manifest"]
    document["ManifestGenerator"] = {"S3JobManifestGenerator": {
        "SourceBucket": f"arn:aws:s3:::{bucket}", "EnableManifestOutput": True,
        "ManifestOutputLocation": {"Bucket": f"arn:aws:s3:::{bucket}", "ManifestPrefix": "generated",
                                   "ManifestFormat": "S3InventoryReport_CSV_20211130"},
        "Filter": {"KeyNameConstraint": {"MatchAnyPrefix": ["logs/"]}},
    }}  # fmt: skip
    path = tmp_path / "generated.json"
    path.write_text(json.dumps(document))
    code, out, err = run(capsys, "run", str(path))
    assert code == 0, err
    job_id = out.splitlines()[0]
    _, shown, _ = run(capsys, "job", "show", job_id, "--json")
    descriptor = json.loads(shown)["Job"]["GeneratedManifestDescriptor"]
    key = f"generated/job-{job_id}/manifest.json"
    assert descriptor == {"Format": "S3InventoryReport_CSV_20211130", "Location": {
        "ObjectArn": f"arn:aws:s3:::{bucket}/{key}", "ETag": s3.head_object(Bucket=bucket, Key=key)["ETag"].strip('"')}}
