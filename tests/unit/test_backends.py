"""The backend seam's pieces that need no server: capabilities, token keeping, and AWS-only facts.

STS and IAM are AWS-only (no local server answers them), so those two tests stub them
with botocore's Stubber, which still checks each request and answer against the model.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import boto3
import pytest
from botocore.stub import Stubber

from s3batch_tui.cli import main
from s3batch_tui.core.backends import ACTIONS, Capabilities, Unsupported
from s3batch_tui.core.backends.roles import batch_roles
from s3batch_tui.core.backends.s3control import AWS_CAPABILITIES, caller_account, control_client
from s3batch_tui.core.backends.submit import S3Prefix, kept_token, request_digest
from s3batch_tui.core.errors import InputError


def _trust(service: str) -> dict:
    return {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]}  # fmt: skip


def test_capabilities_say_why_not_and_refuse_by_name():
    assert AWS_CAPABILITIES.can("cancel") and AWS_CAPABILITIES.reason("cancel") is None
    assert not AWS_CAPABILITIES.can("pause")
    with pytest.raises(Unsupported, match="^pause: AWS S3 Batch Operations has no pause"):
        AWS_CAPABILITIES.require("pause")
    assert set(AWS_CAPABILITIES.unavailable) <= set(ACTIONS)
    with pytest.raises(ValueError, match="unknown actions"):
        Capabilities({"fly": "no wings"})


def test_account_id_defaults_to_sts_get_caller_identity():
    sts = boto3.client("sts", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s")
    with Stubber(sts) as stub:  # STS is stubbed: no local server answers it
        stub.add_response("get_caller_identity", {"Account": "123456789012", "Arn": "arn:aws:iam::123456789012:user/u",
                                                  "UserId": "AIDEXAMPLE"})  # fmt: skip
        assert caller_account(sts) == "123456789012"
        stub.add_client_error("get_caller_identity", "ExpiredToken", "The security token included in the request is expired")
        with pytest.raises(InputError, match="--account-id: cannot find the account.*ExpiredToken"):
            caller_account(sts)


def test_roles_trusting_batch_operations_are_listed_across_pages():
    iam = boto3.client("iam", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s")
    role = {"Path": "/", "RoleId": "AROAEXAMPLEEXAMPLE01", "CreateDate": "2024-01-01T00:00:00Z"}
    with Stubber(iam) as stub:  # IAM is stubbed: no local server answers it
        stub.add_response("list_roles", {"Roles": [
            role | {"RoleName": "batch", "Arn": "arn:aws:iam::1:role/batch",
                    "AssumeRolePolicyDocument": quote(json.dumps(_trust("batchoperations.s3.amazonaws.com")))},
            role | {"RoleName": "lambda", "Arn": "arn:aws:iam::1:role/lambda",
                    "AssumeRolePolicyDocument": quote(json.dumps(_trust("lambda.amazonaws.com")))},
        ], "IsTruncated": True, "Marker": "m"})  # fmt: skip
        stub.add_response("list_roles", {"Roles": [
            role | {"RoleName": "both", "Arn": "arn:aws:iam::1:role/both", "AssumeRolePolicyDocument": quote(json.dumps(
                _trust(["lambda.amazonaws.com", "batchoperations.s3.amazonaws.com"])))},
        ], "IsTruncated": False}, {"Marker": "m"})  # fmt: skip
        assert batch_roles(iam) == ["arn:aws:iam::1:role/batch", "arn:aws:iam::1:role/both"]
        stub.add_client_error("list_roles", "AccessDenied", "not allowed")
        assert batch_roles(iam) == []  # a courtesy only: no permission, no list


def test_missing_role_arn_lists_the_roles_iam_offers(tmp_path, monkeypatch, capsys):
    job = {"Operation": {"S3PutObjectTagging": {"TagSet": []}},
           "Manifest": {"Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]},
                        "Location": {"ObjectArn": "arn:aws:s3:::b/m.csv", "ETag": "e"}},
           "Report": {"Enabled": False}}  # fmt: skip
    path = tmp_path / "job.json"
    path.write_text(json.dumps(job), encoding="utf-8")
    monkeypatch.setattr("s3batch_tui.cli.remote.batch_roles", lambda iam: ["arn:aws:iam::1:role/batch"])  # IAM: AWS-only
    assert main(["--account-id", "123456789012", "job", "submit", str(path)]) == 2
    err = capsys.readouterr().err
    assert "RoleArn: required" in err and "trust batchoperations.s3.amazonaws.com: arn:aws:iam::1:role/batch" in err
    assert not (tmp_path / "job.json.token").exists()


def test_token_is_kept_for_the_same_request_and_renewed_for_a_changed_one(tmp_path):
    path = tmp_path / "job.json"
    path.write_text("{}", encoding="utf-8")
    first = kept_token(path, request_digest(path, "s3://b/p/"))
    assert kept_token(path, request_digest(path, "s3://b/p/")) == first
    assert kept_token(path, request_digest(path, "s3://b/other/")) != first
    path.write_text('{"Description": "changed"}', encoding="utf-8")
    assert kept_token(path, request_digest(path, "s3://b/other/")) != first


def test_manifest_to_must_be_an_s3_prefix():
    assert S3Prefix.parse("s3://bucket/a/b/").key("m.csv") == "a/b/m.csv"
    assert S3Prefix.parse("s3://bucket").key("m.csv") == "m.csv"
    for bad in ("bucket/prefix", "s3:///prefix", "https://x/y"):
        with pytest.raises(InputError, match="--manifest-to: expected s3://bucket/prefix/"):
            S3Prefix.parse(bad)


def test_a_control_endpoint_gets_requests_at_its_own_host(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "k")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "s")
    client = control_client(None, "us-east-1", "http://127.0.0.1:1")
    sent = []

    def capture(request, **_):
        sent.append(request.url)
        return _Answer()

    client.meta.events.register("before-send", capture)
    client.list_jobs(AccountId="123456789012")
    assert sent == ["http://127.0.0.1:1/v20180820/jobs"]  # not 123456789012.127.0.0.1


class _Answer:
    """A minimal empty ListJobs answer, so the test sends nothing over the network."""

    status_code = 200
    headers = {}
    content = b"<ListJobsResult></ListJobsResult>"
    raw = None


def test_requests_the_model_refuses_are_not_sent(monkeypatch):
    from s3batch_tui.core.backends import S3ControlBackend

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "k")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "s")
    client = control_client(None, "us-east-1", "http://127.0.0.1:1")
    sent = []
    client.meta.events.register("before-send", lambda request, **_: sent.append(request))
    backend = S3ControlBackend(client, "123456789012")
    with pytest.raises(InputError, match="request parameters: refused by the s3control model: Invalid value for parameter Priority"):
        backend.set_priority("00000000-0000-0000-0000-000000000000", -1)
    assert sent == []


def test_local_backend_answers_in_s3_control_shapes(tmp_path):
    from s3batch_tui.core.backends.local import LocalBackend
    from s3batch_tui.core.launcher import Launcher
    from s3batch_tui.core.spec import parse_job_spec
    from s3batch_tui.core.store import Store
    from s3batch_tui.settings import Settings

    settings = Settings.load(str(tmp_path / "data"), None)
    store = Store(settings.db_path)
    local = LocalBackend(store, settings, Launcher(settings))
    spec = parse_job_spec(json.dumps({
        "Operation": {"S3DeleteObjectTagging": {}}, "Report": {"Enabled": False}, "Priority": 3,
        "Manifest": {"Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]},
                     "Location": {"ObjectArn": f"file://{tmp_path / 'm.csv'}"}}}), "job.json")  # fmt: skip
    job_id = local.create(spec, run=False)
    assert local.capabilities.unavailable == {}
    assert [job["JobId"] for job in local.list_jobs()] == [job_id]
    assert local.resolve(job_id[:8]) == job_id
    assert local.describe(job_id)["Status"] == "New"
    assert local.change_priority(job_id, +4) == 7 and local.describe(job_id)["Priority"] == 7
    assert local.put_tags(job_id, [{"Key": "a", "Value": "1"}]) == local.get_tags(job_id) == [{"Key": "a", "Value": "1"}]
    assert local.report_location(job_id) is None


def test_local_only_commands_refuse_the_aws_backend(capsys):
    flags = ["--backend", "aws", "--account-id", "123456789012", "--control-endpoint", "http://127.0.0.1:1"]
    assert main([*flags, "job", "create", "job.json"]) == 2
    assert "create: `job create` stores a local job; an S3 Control backend takes `job submit" in capsys.readouterr().err
    assert main([*flags, "run", "job.json"]) == 2
    assert "run: S3 Batch Operations runs a job by itself" in capsys.readouterr().err


@pytest.mark.parametrize("backend, opens_on_aws", [(["--backend", "aws"], True), ([], False)])
def test_the_tui_gets_the_s3_control_backend_of_the_flags(monkeypatch, tmp_path, backend, opens_on_aws):
    from s3batch_tui.tui.app import S3BatchApp

    built = []
    monkeypatch.setattr(S3BatchApp, "run", lambda app: built.append(app))  # the app itself is tested in tests/tui
    flags = ["--account-id", "123456789012", "--control-endpoint", "http://127.0.0.1:1", "--region", "eu-west-1"]
    assert main([*backend, *flags, "--data-dir", str(tmp_path)]) == 0
    (app,) = built
    assert app.control.label == "AWS 123456789012 eu-west-1 at http://127.0.0.1:1"
    assert app.start_on_control is opens_on_aws


def test_no_credentials_is_said_plainly(capsys):
    flags = ["--backend", "aws", "--account-id", "123456789012", "--control-endpoint", "http://127.0.0.1:1"]
    assert main([*flags, "job", "list"]) == 2  # the autouse fixture leaves no AWS credentials anywhere
    assert "S3 Control credentials and settings: Unable to locate credentials" in capsys.readouterr().err
