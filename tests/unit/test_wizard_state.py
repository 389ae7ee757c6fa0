"""Wizard state → CreateJob dict → JobSpec, and the problems sorted by the step that fixes them."""

from __future__ import annotations

import pytest

from s3batch_tui.core.spec import JobOperation, JobSpec, local_extensions
from s3batch_tui.tui.screens.wizard.operations import OPERATIONS, build_params, parse_pairs
from s3batch_tui.tui.screens.wizard.state import WizardState

MANIFEST = {
    "Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]},
    "Location": {"ObjectArn": "arn:aws:s3:::manifests/m.csv", "ETag": "abc123"},
}


@pytest.fixture
def state() -> WizardState:
    """A state whose manifest step is done (validated: 2,500 tasks), with tagging chosen."""
    return WizardState(manifest=dict(MANIFEST), task_count=2_500, scan_done=True, report_bucket="s3://reports",
                       operation="S3PutObjectTagging")  # fmt: skip


def spec_of(state: WizardState) -> JobSpec:
    spec, problems = state.check()
    assert problems == [] and spec is not None
    assert JobSpec.model_validate(state.to_job_dict()) == spec  # the dict itself is what AWS would take
    return spec


def test_tagging_job_in_aws_shape(state):
    state.values["S3PutObjectTagging"]["TagSet"] = [("team", "data"), ("", ""), ("env", "")]
    state.description, state.priority = "tag everything", "42"
    job = spec_of(state).to_json_dict()
    assert job["Operation"] == {"S3PutObjectTagging": {"TagSet": [{"Key": "team", "Value": "data"},
                                                                  {"Key": "env", "Value": ""}]}}  # fmt: skip
    assert job["Manifest"] == MANIFEST and job["Priority"] == 42 and job["Description"] == "tag everything"
    assert job["Report"] == {"Enabled": True, "Bucket": "arn:aws:s3:::reports", "Format": "Report_CSV_20180820",
                             "Prefix": "reports", "ReportScope": "AllTasks"}  # fmt: skip
    assert "LocalOptions" not in job and local_extensions(spec_of(state)) == []


def test_copy_job_with_metadata_and_storage_class(state):
    state.operation = "S3PutObjectCopy"
    state.values["S3PutObjectCopy"].update({
        "TargetResource": "s3://backup", "TargetKeyPrefix": "copies", "StorageClass": "GLACIER_IR",
        "MetadataDirective": "REPLACE", "NewObjectMetadata.ContentType": "text/csv",
        "NewObjectMetadata.UserMetadata": "owner=ops, tier = cold",
    })  # fmt: skip
    params = spec_of(state).to_json_dict()["Operation"]["S3PutObjectCopy"]
    assert params == {
        "TargetResource": "arn:aws:s3:::backup", "TargetKeyPrefix": "copies", "StorageClass": "GLACIER_IR",
        "MetadataDirective": "REPLACE",
        "NewObjectMetadata": {"ContentType": "text/csv", "UserMetadata": {"owner": "ops", "tier": "cold"}},
    }  # fmt: skip


@pytest.mark.parametrize(
    ("operation", "values", "expected"),
    [
        ("S3DeleteObjectTagging", {}, {}),
        ("S3PutObjectAcl", {"AccessControlPolicy.CannedAccessControlList": "bucket-owner-full-control"},
         {"AccessControlPolicy": {"CannedAccessControlList": "bucket-owner-full-control"}}),
        ("S3InitiateRestoreObject", {"ExpirationInDays": "7", "GlacierJobTier": "STANDARD"},
         {"ExpirationInDays": 7, "GlacierJobTier": "STANDARD"}),
        ("LambdaInvoke", {"FunctionArn": "python:handlers:tag", "UserArguments": "a=1"},
         {"FunctionArn": "python:handlers:tag", "InvocationSchemaVersion": "2.0", "UserArguments": {"a": "1"}}),
        ("S3PutObjectLegalHold", {"LegalHold.Status": "OFF"}, {"LegalHold": {"Status": "OFF"}}),
        ("S3PutObjectRetention", {"Retention.RetainUntilDate": "2030-01-31", "BypassGovernanceRetention": True},
         {"Retention": {"Mode": "GOVERNANCE", "RetainUntilDate": "2030-01-31T00:00:00Z"},
          "BypassGovernanceRetention": True}),
        ("S3ComputeObjectChecksum", {"ChecksumAlgorithm": "SHA256"},
         {"ChecksumAlgorithm": "SHA256", "ChecksumType": "FULL_OBJECT"}),
        ("LocalDeleteObject", {"Confirmed": True}, {"Confirmed": True}),
    ],
)  # fmt: skip
def test_every_operation_builds_a_valid_spec(state, operation, values, expected):
    state.operation = operation
    state.values[operation].update(values)
    assert spec_of(state).to_json_dict()["Operation"] == {operation: expected}


def test_every_local_operation_has_a_form_and_aws_only_ones_are_refused(state):
    names = {info.name for info in OPERATIONS}
    assert names == {field.alias for field in JobOperation.model_fields.values()}
    state.operation = "S3ReplicateObject"
    assert "runs only on AWS" in state.problems("Operation")[0].text


def test_long_tag_key_is_an_operation_problem_on_its_field(state):
    state.values["S3PutObjectTagging"]["TagSet"] = [("k" * 129, "v")]
    spec, problems = state.check()
    assert spec is None
    assert [(p.step, p.field) for p in problems] == [("Operation", "TagSet")]
    assert problems[0].text == "Tags: tag key 'kkkkkkkkkkkkkkkkkkkk'… is 129 characters; S3 allows 128"


def test_empty_copy_destination_is_refused_once(state):
    state.operation = "S3PutObjectCopy"
    assert [p.text for p in state.problems("Operation")] == ["Destination bucket: required"]
    state.values["S3PutObjectCopy"]["TargetResource"] = "s3://bucket/with/prefix"
    assert "expected a bucket ARN" in state.problems("Operation")[0].text


def test_wizard_rules_beyond_the_models(state):
    state.operation = "S3PutObjectCopy"
    state.values["S3PutObjectCopy"].update({"TargetResource": "dest", "NewObjectMetadata.CacheControl": "no-cache"})
    assert state.problems("Operation")[0].field == "NewObjectMetadata.CacheControl"
    state.operation = "LambdaInvoke"
    state.values["LambdaInvoke"].update({"FunctionArn": "arn:aws:lambda:us-east-1:1:function:f",
                                         "InvocationSchemaVersion": "1.0", "UserArguments": "x=1, broken"})  # fmt: skip
    texts = [p.text for p in state.problems("Operation")]
    assert any("expected key=value, got 'broken'" in t for t in texts)
    assert any("need invocation schema 2.0" in t for t in texts)


def test_delete_needs_its_confirmation_and_says_what_it_destroys(state):
    state.operation = "LocalDeleteObject"
    assert state.problems("Operation")[0].field == "Confirmed"
    assert state.destructive_warning().startswith("Deletes 2,500 objects.")
    state.values["LocalDeleteObject"]["Confirmed"] = True
    assert state.problems("Operation") == []


def test_public_acl_and_compliance_retention_are_flagged(state):
    state.operation = "S3PutObjectAcl"
    assert state.destructive_warning() is None
    state.values["S3PutObjectAcl"]["AccessControlPolicy.CannedAccessControlList"] = "public-read"
    assert "readable by anyone on the internet" in state.destructive_warning()
    state.operation = "S3PutObjectRetention"
    state.values["S3PutObjectRetention"].update({"Retention.Mode": "COMPLIANCE",
                                                 "Retention.RetainUntilDate": "2031-01-01"})  # fmt: skip
    assert "COMPLIANCE" in state.destructive_warning() and "2031-01-01" in state.destructive_warning()


def test_options_go_into_local_options_and_report(state):
    state.rate_limit, state.failure_max_percent, state.failure_min_tasks = "25.5", "10", "200"
    state.report_enabled = False
    job = spec_of(state).to_json_dict()
    assert job["LocalOptions"] == {"MaxOperationsPerSecond": 25.5, "FailureThreshold": {"MinTasks": 200,
                                                                                         "MaxFailedPercent": 10.0}}  # fmt: skip
    assert job["Report"] == {"Enabled": False}


def test_options_problems_name_their_field(state):
    state.priority, state.rate_limit, state.workers, state.report_bucket = "high", "0", "0", ""
    fields = {p.field for p in state.problems("Options")}
    assert fields == {"priority", "rate_limit", "workers", "report_bucket"}
    assert state.worker_count() is None
    state.workers = "64"
    assert state.worker_count() == 64


def test_report_to_a_local_directory(state, tmp_path):
    state.report_bucket = str(tmp_path / "reports")
    assert spec_of(state).report.bucket == f"file://{tmp_path / 'reports'}"


def test_manifest_problems():
    state = WizardState(report_bucket="/tmp/r", operation="S3DeleteObjectTagging")
    assert [p.step for p in state.check()[1]] == ["Manifest"]
    state.manifest, state.scan_done, state.scan_errors = dict(MANIFEST), True, ["m.csv line 2 column 3: bad"]
    assert "1 bad rows" in state.problems("Manifest")[0].text
    state.scan_errors = []
    assert state.problems("Manifest") == []


def test_generator_builds_a_manifest_generator(state):
    state.use_generator = True
    state.generator.bucket = "s3://source"
    state.generator.prefixes, state.generator.suffixes = "logs/, 2024/", ".gz"
    state.generator.larger_than, state.generator.storage_classes = "1024", "STANDARD, GLACIER"
    job = spec_of(state).to_json_dict()
    assert "Manifest" not in job
    assert job["ManifestGenerator"] == {"S3JobManifestGenerator": {
        "SourceBucket": "arn:aws:s3:::source", "EnableManifestOutput": False,
        "Filter": {"KeyNameConstraint": {"MatchAnyPrefix": ["logs/", "2024/"], "MatchAnySuffix": [".gz"]},
                   "ObjectSizeGreaterThanBytes": 1024, "MatchAnyStorageClass": ["STANDARD", "GLACIER"]},
    }}  # fmt: skip
    state.generator.created_after = "yesterday"
    problem = state.problems("Manifest")[0].text
    assert problem.startswith("Generator: Created after: expected a date")


def test_values_of_each_operation_are_kept_when_switching(state):
    state.values["S3PutObjectTagging"]["TagSet"] = [("a", "b")]
    state.operation = "S3InitiateRestoreObject"
    state.operation = "S3PutObjectTagging"
    assert build_params("S3PutObjectTagging", state.operation_values) == {"TagSet": [{"Key": "a", "Value": "b"}]}


def test_parse_pairs():
    assert parse_pairs(" a=1 , b = two,, ") == {"a": "1", "b": "two"}
    with pytest.raises(ValueError, match="key=value"):
        parse_pairs("=x")


def test_no_operation_is_chosen_at_first_and_the_job_is_refused_until_one_is():
    state = WizardState(manifest=dict(MANIFEST), task_count=2_500, scan_done=True, report_bucket="s3://reports")
    assert state.operation == ""
    spec, problems = state.check()
    assert spec is None and [p.text for p in problems] == ["Choose an operation in the list (enter opens its form)"]
    assert state.destructive_warning() is None


@pytest.mark.parametrize(
    ("operation", "values", "field", "words"),
    [
        ("S3PutObjectTagging", {"TagSet": [("team", "a"), ("team", "b")]}, "TagSet", "each tag key may appear once"),
        ("S3PutObjectTagging", {"TagSet": [("a*b", "v")]}, "TagSet", "S3 does not allow '*' in tags"),
        ("S3PutObjectTagging", {"TagSet": [("k", "v" * 257)]}, "TagSet", "257 characters; S3 allows 256"),
        ("S3PutObjectCopy", {"TargetResource": "s3://Bad_Bucket!"}, "TargetResource",
         "bucket name 'Bad_Bucket!' may hold only lowercase letters"),
        ("LambdaInvoke", {"FunctionArn": "python:/no/such/handler.py:run"}, "FunctionArn",
         "the handler file /no/such/handler.py does not exist"),
    ],
)  # fmt: skip
def test_what_s3_would_refuse_is_refused_before_the_job_exists(state, operation, values, field, words):
    state.operation = operation
    state.values[operation].update(values)
    spec, problems = state.check()
    assert spec is None
    assert any(p.field == field and words in p.text and p.step == "Operation" for p in problems), problems


def test_generator_problems_name_the_input_once_in_plain_words():
    state = WizardState(use_generator=True, operation="S3DeleteObjectTagging", report_bucket="/tmp/r")
    assert [(p.field, p.text) for p in state.problems("Manifest")] == [
        ("bucket", "Generator: the source bucket is required")]
    state.generator.bucket, state.generator.storage_classes = "photos", "GLACIERX"
    state.generator.created_after = "yesterday"
    texts = {p.field: p.text for p in state.problems("Manifest")}
    assert texts["storage_classes"].startswith("Generator: unknown storage class 'GLACIERX'")
    assert texts["created_after"] == "Generator: Created after: expected a date like 2025-01-31 or a time like 2025-01-31T12:00:00Z"
    assert not any("ManifestGenerator." in text for text in texts.values())


@pytest.mark.parametrize(
    ("priority", "words"),
    [("abc", "Priority: expected a whole number"), ("-1", "Priority: must be 0 or more"),
     ("9999999999", "Priority: must be 2,147,483,647 or less")],
)  # fmt: skip
def test_option_errors_use_the_label_and_plain_words(state, priority, words):
    state.operation, state.priority = "S3DeleteObjectTagging", priority
    assert [p.text for p in state.problems("Options")] == [words]
