"""Job file models: AWS shape in, the same shape out; clear errors for bad input."""

from __future__ import annotations

import json

import pytest

from s3batch_tui.core.errors import InputError
from s3batch_tui.core.spec import JobSpec, local_extensions, parse_job_spec

AWS_JOB = {
    "AccountId": "123456789012",
    "ConfirmationRequired": True,
    "Operation": {"S3PutObjectTagging": {"TagSet": [{"Key": "team", "Value": "data"}]}},
    "Report": {
        "Bucket": "arn:aws:s3:::reports",
        "Format": "Report_CSV_20180820",
        "Enabled": True,
        "Prefix": "batch",
        "ReportScope": "AllTasks",
    },
    "ClientRequestToken": "5d2a6c1e-token",
    "Manifest": {
        "Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]},
        "Location": {"ObjectArn": "arn:aws:s3:::manifests/m.csv", "ETag": "60e460c9d1046e73f7dde5043ac3ae85"},
    },
    "Description": "tag everything",
    "Priority": 42,
    "RoleArn": "arn:aws:iam::123456789012:role/batch",
    "Tags": [{"Key": "k", "Value": "v"}],
}


def test_an_aws_job_file_round_trips_unchanged():
    spec = parse_job_spec(json.dumps(AWS_JOB))
    assert spec.to_json_dict() == AWS_JOB
    assert spec.operation.name == "S3PutObjectTagging"
    assert local_extensions(spec) == []


def test_account_role_and_token_are_optional_locally():
    job = {k: v for k, v in AWS_JOB.items() if k not in ("AccountId", "RoleArn", "ClientRequestToken")}
    spec = parse_job_spec(json.dumps(job))
    assert spec.account_id is None and spec.priority == 42


def test_copy_with_every_issue_two_parameter_round_trips():
    operation = {
        "S3PutObjectCopy": {
            "TargetResource": "arn:aws:s3:::dest",
            "TargetKeyPrefix": "archive",
            "StorageClass": "STANDARD_IA",
            "MetadataDirective": "REPLACE",
            "NewObjectMetadata": {"ContentType": "text/plain", "UserMetadata": {"a": "b"}, "SSEAlgorithm": "AES256"},
            "NewObjectTagging": [{"Key": "copied", "Value": "yes"}],
            "CannedAccessControlList": "bucket-owner-full-control",
        }
    }
    spec = parse_job_spec(json.dumps(AWS_JOB | {"Operation": operation}))
    assert spec.to_json_dict()["Operation"] == operation


def test_local_extensions_are_named():
    job = AWS_JOB | {
        "Manifest": {
            "Spec": {"Format": "S3BatchOperations_CSV_20180820"},
            "Location": {"ObjectArn": "file:///tmp/m.csv"},
        },
        "Report": {"Enabled": True, "Bucket": "file:///tmp/reports", "Format": "Report_CSV_20180820"},
        "LocalOptions": {"MaxOperationsPerSecond": 100},
    }
    spec = parse_job_spec(json.dumps(job))
    assert local_extensions(spec) == ["LocalOptions", "Manifest.Location.ObjectArn", "Report.Bucket"]
    assert spec.options.max_operations_per_second == 100
    assert spec.options.failure_threshold.min_tasks == 1000


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"Operation": {}}, "Operation: exactly one operation must be given, got none"),
        (
            {"Operation": {"S3PutObjectTagging": {"TagSet": []}, "S3DeleteObjectTagging": {}}},
            "Operation: exactly one operation must be given, got S3DeleteObjectTagging, S3PutObjectTagging",
        ),
        ({"Operation": {"S3PutObjectTaging": {}}}, "Operation.S3PutObjectTaging: unknown member (names are case-sensitive, as in AWS CreateJob); did you mean S3PutObjectTagging?"),
        (
            {"Operation": {"S3PutObjectTagging": {"TagSet": [{"Key": "a"}]}}},
            "Operation.S3PutObjectTagging.TagSet[0].Value: required member is missing",
        ),
        ({"Priority": -1}, "Priority: expected at least 0, got -1"),
        ({"Report": {"Enabled": True}}, "Report: Bucket is required when the report is enabled"),
        ({"Report": {"Enabled": True, "Bucket": "reports"}}, "Report.Bucket: 'reports' does not match the pattern arn:[^:]+:s3:.*"),
        (
            {"Manifest": {"Spec": {"Format": "S3BatchOperations_CSV_20180820"}, "Location": {"ObjectArn": "arn:aws:s3:::b/k"}}},
            "Manifest.Location.ETag: required member is missing",
        ),
        (
            {"Manifest": {"Spec": {"Format": "S3BatchOperations_CSV_20180820"}, "Location": {"ObjectArn": "s3://b/k", "ETag": "x"}}},
            "Manifest.Location.ObjectArn: 's3://b/k' does not match the pattern arn:[^:]+:s3:.*",
        ),
        (
            {"Manifest": {"Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Key"]}, "Location": {"ObjectArn": "file:///m.csv"}}},
            "Manifest.Spec: Fields must name Bucket exactly once",
        ),
        (
            {"Manifest": {"Spec": {"Format": "S3BatchOperations_CSV_20180820"}, "Location": {"ObjectArn": "file://relative.csv"}}},
            "Manifest.Location.ObjectArn: expected file:///absolute/path",
        ),
    ],
)
def test_bad_job_files_name_the_field_and_what_was_expected(change, expected):
    with pytest.raises(InputError) as caught:
        parse_job_spec(json.dumps(AWS_JOB | change), "job.json")
    assert f"job.json: {expected}" in str(caught.value)


def test_missing_manifest_and_generator_is_an_error():
    job = {k: v for k, v in AWS_JOB.items() if k != "Manifest"}
    with pytest.raises(InputError, match="exactly one of Manifest and ManifestGenerator"):
        parse_job_spec(json.dumps(job), "job.json")


def test_invalid_json_names_line_and_column():
    with pytest.raises(InputError, match=r"job.json line 2 column 3: invalid JSON"):
        parse_job_spec('{\n  x}', "job.json")


def test_a_json_array_is_refused():
    with pytest.raises(InputError, match="expected a JSON object"):
        parse_job_spec("[]", "job.json")


def test_models_are_immutable():
    spec = JobSpec.model_validate(AWS_JOB)
    with pytest.raises(Exception):
        spec.priority = 3  # type: ignore[misc]
