"""Version ids in the manifest are honoured (issue 7 item 6): never "succeed" on another version."""

from __future__ import annotations

import json
from urllib.parse import quote

import boto3
import pytest
from botocore.config import Config

from s3batch_tui.cli import main
from s3batch_tui.core.manifest.entry import ManifestEntry
from s3batch_tui.core.operations.base import SUCCESS, OperationContext, TaskOutcome
from s3batch_tui.core.operations.registry import build_operation
from s3batch_tui.core.operations.versions import version_checked
from s3batch_tui.core.report import open_report
from s3batch_tui.core.spec import JobOperation
from tests.integration.conftest import job_document
from tests.integration.tiny_http import ScriptedHandler, serve

TAG = {"S3PutObjectTagging": {"TagSet": [{"Key": "done", "Value": "yes"}]}}


def entry(bucket: str, key: str, version_id: str | None = None) -> ManifestEntry:
    return ManifestEntry(ordinal=0, bucket=bucket, key=key, version_id=version_id, raw_key=quote(key))


def tags(s3, bucket, key, version_id=None) -> list:
    extra = {"VersionId": version_id} if version_id else {}
    return s3.get_object_tagging(Bucket=bucket, Key=key, **extra)["TagSet"]


def run_versioned_job(capsys, tmp_path, rows: list[str]) -> tuple[int, dict]:
    manifest = tmp_path / "m.csv"
    manifest.write_text("".join(f"{row}\n" for row in rows))
    document = job_document(manifest, tmp_path / "reports", TAG)
    document["Manifest"]["Spec"]["Fields"] = ["Bucket", "Key", "VersionId"]
    path = tmp_path / "job.json"
    path.write_text(json.dumps(document))
    code = main(["run", str(path)])
    out, _ = capsys.readouterr()
    job_id = out.splitlines()[0]
    main(["job", "show", job_id, "--json"])
    job = json.loads(capsys.readouterr()[0])["Job"]
    rows = {row.decoded_key: row for row in open_report(job["Local"]["ReportLocation"]).rows()}
    return code, rows


def test_a_version_in_a_never_versioned_bucket_fails_instead_of_tagging_the_current_object(server_env, capsys, s3,
                                                                                           bucket, tmp_path):  # fmt: skip
    for key in ("named", "null-version"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    code, rows = run_versioned_job(capsys, tmp_path, [f"{bucket},named,no-such-version", f"{bucket},null-version,null"])
    assert code == 1
    failed = rows["named"]
    assert (failed.task_status, failed.http_status, failed.error_code) == ("failed", 404, "NoSuchVersion")
    assert failed.result_message == f"version 'no-such-version' does not exist: bucket '{bucket}' was never versioned"
    assert tags(s3, bucket, "named") == []  # SeaweedFS would have tagged the current object
    assert rows["null-version"].task_status == "succeeded"  # "null" is the one version such a bucket has
    assert tags(s3, bucket, "null-version") == [{"Key": "done", "Value": "yes"}]


def test_an_older_version_in_a_versioned_bucket_is_the_one_tagged(server_env, capsys, s3, bucket, tmp_path):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    old = s3.put_object(Bucket=bucket, Key="obj", Body=b"1")["VersionId"]
    s3.put_object(Bucket=bucket, Key="obj", Body=b"2")
    code, rows = run_versioned_job(capsys, tmp_path, [f"{bucket},obj,{old}"])
    assert code == 0 and rows["obj"].task_status == "succeeded"
    assert tags(s3, bucket, "obj", old) == [{"Key": "done", "Value": "yes"}]
    assert tags(s3, bucket, "obj") == []


class OtherVersion(ScriptedHandler):
    """A versioned bucket whose writes answer that they acted on version "other"."""

    def do_GET(self) -> None:  # GetBucketVersioning
        self.reply(200, b'<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>')

    def do_PUT(self) -> None:
        if self.headers.get("x-amz-copy-source"):
            self.answer(200, "x-amz-copy-source-version-id", b'<CopyObjectResult><ETag>"e"</ETag></CopyObjectResult>')
        else:
            self.answer(200, "x-amz-version-id")

    def do_DELETE(self) -> None:  # DeleteObjectTagging
        self.answer(204, "x-amz-version-id")

    def answer(self, status: int, header: str, body: bytes = b"") -> None:
        self.send_response(status)
        self.send_header(header, "other")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def other_version_client():
    with serve(OtherVersion) as (url, _):
        config = Config(retries={"total_max_attempts": 1}, s3={"addressing_style": "path"})
        yield boto3.client("s3", endpoint_url=url, region_name="us-east-1", aws_access_key_id="x",
                           aws_secret_access_key="y", config=config)  # fmt: skip


@pytest.mark.parametrize("operation", [
    TAG,
    {"S3DeleteObjectTagging": {}},
    {"S3PutObjectAcl": {"AccessControlPolicy": {"CannedAccessControlList": "private"}}},
    {"S3PutObjectLegalHold": {"LegalHold": {"Status": "ON"}}},
    {"S3PutObjectRetention": {"Retention": {"Mode": "GOVERNANCE", "RetainUntilDate": "2099-01-01T00:00:00Z"}}},
    {"S3PutObjectCopy": {"TargetResource": "arn:aws:s3:::target-bucket"}},
])  # fmt: skip
def test_an_answer_about_another_version_fails_the_task(other_version_client, operation):
    built = build_operation(JobOperation.model_validate(operation), OperationContext(other_version_client, "t"))
    outcome = built.run(entry("bkt", "a b", "v1"))
    assert outcome == TaskOutcome(False, 204 if "S3DeleteObjectTagging" in operation else 200, "VersionIdMismatch",
                                  "the server acted on version 'other', not on the manifest's 'v1'")  # fmt: skip
    assert built.run(entry("bkt", "a b")) == SUCCESS  # no version named: nothing to compare


def test_version_checked_accepts_the_same_version_and_silent_servers():
    same = {"VersionId": "v1", "ResponseMetadata": {"HTTPHeaders": {}}}
    assert version_checked(entry("b", "k", "v1"), same) == SUCCESS
    assert version_checked(entry("b", "k", "v1"), {"ResponseMetadata": {"HTTPHeaders": {}}}) == SUCCESS
    assert version_checked(entry("b", "k", "null"), {"VersionId": "v9"}) == SUCCESS
    assert not version_checked(entry("b", "k", "v1"), {"VersionId": "v9"}).succeeded
