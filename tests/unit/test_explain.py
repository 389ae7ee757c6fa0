"""A job spec in words: every operation, manifest kind, report setting and option."""

from __future__ import annotations

import pytest

from s3batch_tui.core.explain import decoded_key, describe_spec
from s3batch_tui.core.spec import JobOperation, JobSpec

CSV = {"Spec": {"Format": "S3BatchOperations_CSV_20180820"}, "Location": {"ObjectArn": "file:///data/m.csv"}}
NO_REPORT = {"Enabled": False}
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"


def job(operation: dict | None = None, **extra) -> JobSpec:
    data = {"Operation": operation or {"S3DeleteObjectTagging": {}}, "Manifest": CSV, "Report": NO_REPORT}
    return JobSpec.model_validate(data | extra)


def said(spec: JobSpec, label: str) -> str:
    return dict(describe_spec(spec))[label]


OPERATIONS = [
    ({"S3PutObjectTagging": {"TagSet": [{"Key": "team", "Value": "data"}, {"Key": "env", "Value": "prod"}]}},
     "Replace the tags of each object with team=data, env=prod"),
    ({"S3PutObjectTagging": {"TagSet": []}}, "Remove every tag of each object (an empty tag set replaces them)"),
    ({"S3DeleteObjectTagging": {}}, "Delete every tag of each object"),
    ({"S3PutObjectCopy": {"TargetResource": "arn:aws:s3:::dest", "TargetKeyPrefix": "archive",
                          "StorageClass": "STANDARD_IA", "MetadataDirective": "REPLACE",
                          "NewObjectMetadata": {"ContentType": "text/plain"}}},
     "Copy each object to bucket dest under prefix archive (key becomes archive/<key>), storage class STANDARD_IA, "
     "metadata replaced: Content-Type text/plain"),
    ({"S3PutObjectCopy": {}}, "Copy each object to the same bucket (same key), metadata copied"),
    ({"S3PutObjectAcl": {"AccessControlPolicy": {"CannedAccessControlList": "bucket-owner-full-control"}}},
     "Set the ACL of each object to bucket-owner-full-control"),
    ({"S3PutObjectAcl": {"AccessControlPolicy": {"CannedAccessControlList": "public-read"}}},
     "Set the ACL of each object to public-read — makes objects PUBLIC"),
    ({"S3PutObjectAcl": {"AccessControlPolicy": {"AccessControlList": {
        "Owner": {"ID": "owner-id"},
        "Grants": [{"Grantee": {"TypeIdentifier": "uri", "Identifier": ALL_USERS},
                    "Permission": "READ"},
                   {"Grantee": {"TypeIdentifier": "id", "Identifier": "abc"}, "Permission": "FULL_CONTROL"}]}}}},
     "Replace the ACL of each object: owner owner-id, grants READ to everyone (AllUsers), FULL_CONTROL to account abc"
     " — makes objects PUBLIC"),
    ({"S3InitiateRestoreObject": {"ExpirationInDays": 7, "GlacierJobTier": "BULK"}},
     "Start restoring each archived object for 7 days, BULK tier (a task succeeds once its restore has started)"),
    ({"LambdaInvoke": {"FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:my-fn",
                       "InvocationSchemaVersion": "2.0", "UserArguments": {"mode": "dry-run"}}},
     "Invoke Lambda function arn:aws:lambda:us-east-1:123456789012:function:my-fn for each object (schema 2.0) "
     "with user arguments mode=dry-run"),
    ({"LambdaInvoke": {"FunctionArn": "python:handlers.py:check"}},
     "Call the local Python handler handlers.py:check for each object (schema 1.0)"),
    ({"S3PutObjectLegalHold": {"LegalHold": {"Status": "ON"}}},
     "Put a legal hold on each object (it cannot be deleted until the hold is removed)"),
    ({"S3PutObjectLegalHold": {"LegalHold": {"Status": "OFF"}}}, "Remove the legal hold from each object"),
    ({"S3PutObjectRetention": {"Retention": {"Mode": "GOVERNANCE", "RetainUntilDate": "2027-01-01T00:00:00Z"},
                               "BypassGovernanceRetention": True}},
     "Lock each object in GOVERNANCE mode until 2027-01-01, bypassing governance retention"),
    ({"S3PutObjectRetention": {"Retention": {"Mode": "COMPLIANCE", "RetainUntilDate": "2027-01-01T12:30:00Z"}}},
     "Lock each object in COMPLIANCE mode until 2027-01-01 12:30 UTC — nobody can shorten or remove it, "
     "not even the root user"),
    ({"S3ComputeObjectChecksum": {"ChecksumAlgorithm": "CRC32C", "ChecksumType": "COMPOSITE"}},
     "Compute the CRC32C checksum (COMPOSITE) of each object into the report; objects are not changed"),
    ({"S3ReplicateObject": {}}, "Replicate each object (runs only on AWS S3 Batch Operations)"),
    ({"S3UpdateObjectEncryption": {"ObjectEncryption": {"SSEKMS": {"KMSKeyArn": "k"}}}},
     'Change the encryption of each object (runs only on AWS S3 Batch Operations); also: '
     'ObjectEncryption={"SSEKMS": {"KMSKeyArn": "k"}}'),
    ({"LocalDeleteObject": {}},
     "Delete each listed object (or version) — DESTRUCTIVE, runs only with Confirmed: true or --yes-delete"),
    ({"LocalDeleteObject": {"Confirmed": True}},
     "Delete each listed object (or version) — DESTRUCTIVE, confirmed in the job file"),
]  # fmt: skip


@pytest.mark.parametrize(("operation", "sentence"), OPERATIONS, ids=[f"{next(iter(o))}-{i}" for i, (o, _) in
                                                                     enumerate(OPERATIONS)])  # fmt: skip
def test_each_operation_in_words(operation, sentence):
    assert said(job(operation), "Operation") == sentence


def test_every_operation_member_has_words():
    described = {next(iter(operation)) for operation, _ in OPERATIONS}
    members = {field.alias or name for name, field in JobOperation.model_fields.items()}
    assert members == described


def test_copy_names_every_parameter_it_was_given():
    text = said(job({"S3PutObjectCopy": {
        "TargetResource": "file:///backup", "NewObjectTagging": [{"Key": "k", "Value": "v"}],
        "CannedAccessControlList": "public-read", "SSEAwsKmsKeyId": "key-1", "ObjectLockMode": "GOVERNANCE",
        "ObjectLockRetainUntilDate": "2030-05-01T00:00:00Z", "ChecksumAlgorithm": "SHA256", "RequesterPays": True,
        "MetadataDirective": "REPLACE", "NewObjectMetadata": {"CacheControl": "no-cache", "UserMetadata": {"a": "b"}},
    }}), "Operation")  # fmt: skip
    assert text.startswith("Copy each object to local directory /backup (same key)")
    for part in ("tags set to k=v", "ACL public-read — makes objects PUBLIC", "encrypted with KMS key key-1",
                 "Object Lock GOVERNANCE until 2030-05-01", "Cache-Control no-cache, user metadata a=b",
                 "also: ChecksumAlgorithm=SHA256, RequesterPays=true"):  # fmt: skip
        assert part in text


def test_copy_says_how_large_objects_are_copied():
    assert said(job({"S3PutObjectCopy": {}}), "Large objects") == "Copied in parts of 512 MiB when larger than 5 GiB"
    spec = job({"S3PutObjectCopy": {}}, LocalOptions={"MultipartCopyThresholdBytes": 1536 * 1024**2,
                                                      "MultipartCopyPartSizeBytes": 5 * 1024**2 + 1})  # fmt: skip
    assert said(spec, "Large objects") == "Copied in parts of 5,242,881 bytes when larger than 1.5 GiB"
    assert "Large objects" not in dict(describe_spec(job()))


def test_copy_prefix_follows_aws_rule_even_with_a_trailing_slash():
    text = said(job({"S3PutObjectCopy": {"TargetKeyPrefix": "archive/"}}), "Operation")
    assert "under prefix archive/ (key becomes archive//<key>)" in text


def test_manifests_in_words():
    assert said(job(), "Manifest") == "CSV manifest file:///data/m.csv (columns Bucket, Key)"
    csv = {"Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key", "VersionId"]},
           "Location": {"ObjectArn": "arn:aws:s3:::lists/jobs/m.csv", "ETag": "abc", "ObjectVersionId": "v1"}}
    assert said(job(Manifest=csv), "Manifest") == (
        "CSV manifest s3://lists/jobs/m.csv (version v1), ETag abc (columns Bucket, Key, VersionId)")
    inventory = {"Spec": {"Format": "S3InventoryReport_CSV_20161130"},
                 "Location": {"ObjectArn": "arn:aws:s3:::inv/src/daily/manifest.json", "ETag": "e1"}}
    assert said(job(Manifest=inventory), "Manifest") == "S3 Inventory report s3://inv/src/daily/manifest.json, ETag e1"


def test_generated_manifest_in_words():
    generator = {"S3JobManifestGenerator": {
        "SourceBucket": "arn:aws:s3:::photos", "EnableManifestOutput": True,
        "ManifestOutputLocation": {"Bucket": "arn:aws:s3:::lists", "ManifestPrefix": "gen",
                                   "ManifestFormat": "S3InventoryReport_CSV_20211130"},
        "Filter": {"KeyNameConstraint": {"MatchAnyPrefix": ["2024/", "2025/"], "MatchAnySuffix": [".jpg"]},
                   "CreatedAfter": "2025-01-01T00:00:00Z", "ObjectSizeGreaterThanBytes": 1024,
                   "MatchAnyStorageClass": ["GLACIER"], "EligibleForReplication": True},
    }}  # fmt: skip
    spec = JobSpec.model_validate({"Operation": {"S3DeleteObjectTagging": {}}, "ManifestGenerator": generator,
                                   "Report": NO_REPORT})  # fmt: skip
    assert said(spec, "Manifest") == (
        "Objects listed from bucket photos, matching prefixes 2024/, 2025/, ending in .jpg, in storage classes GLACIER,"
        " created after 2025-01-01, larger than 1,024 bytes; the list is saved to s3://lists/gen/;"
        " also: EligibleForReplication=true"
    )
    bare = {"S3JobManifestGenerator": {"SourceBucket": "arn:aws:s3:::photos", "EnableManifestOutput": False}}
    spec = JobSpec.model_validate({"Operation": {"S3DeleteObjectTagging": {}}, "ManifestGenerator": bare,
                                   "Report": NO_REPORT})  # fmt: skip
    assert said(spec, "Manifest") == "Objects listed from bucket photos (every object)"


def test_reports_in_words():
    assert said(job(), "Report") == "No report"
    s3 = {"Enabled": True, "Bucket": "arn:aws:s3:::reports", "Prefix": "batch/", "ReportScope": "AllTasks"}
    assert said(job(Report=s3), "Report") == "All tasks, to s3://reports/batch/"
    local = {"Enabled": True, "Bucket": "file:///var/reports", "ReportScope": "FailedTasksOnly"}
    assert said(job(Report=local), "Report") == "Failed tasks only, to local directory /var/reports/"


def test_options_in_words():
    defaults = dict(describe_spec(job()))
    assert defaults["Confirmation"] == "Runs without asking for confirmation"
    assert defaults["Rate limit"] == "None: as fast as the workers go"
    assert defaults["Fails when"] == "More than 50% of tasks failed, once 1,000 have run"
    assert defaults["Retries"].startswith("Up to 5 attempts per task")
    assert defaults["Priority"] == "10 (higher runs first)"
    assert "Job tags" not in defaults and "IAM role" not in defaults
    spec = job(ConfirmationRequired=True, Priority=42, Tags=[{"Key": "cost", "Value": "ops"}],
               RoleArn="arn:aws:iam::1:role/batch",
               LocalOptions={"MaxOperationsPerSecond": 2500, "MaxAttempts": 3,
                             "FailureThreshold": {"MinTasks": 100, "MaxFailedPercent": 12.5}})  # fmt: skip
    words = dict(describe_spec(spec))
    assert words["Confirmation"] == "Waits in Suspended until you confirm it"
    assert words["Rate limit"] == "At most 2,500 operations per second"
    assert words["Fails when"] == "More than 12.5% of tasks failed, once 100 have run"
    assert words["Retries"].startswith("Up to 3 attempts per task")
    assert words["Priority"] == "42 (higher runs first)"
    assert words["Job tags"] == "cost=ops"
    assert words["IAM role"] == "arn:aws:iam::1:role/batch (used on AWS)"


def test_labels_come_in_a_stable_order():
    assert [label for label, _ in describe_spec(job())] == [
        "Operation", "Manifest", "Report", "Confirmation", "Priority", "Rate limit", "Fails when", "Retries",
    ]  # fmt: skip


def test_decoded_key_reads_manifest_encoding():
    assert decoded_key("reports/q4+finance/100%25+done.csv") == "reports/q4 finance/100% done.csv"
    assert decoded_key("a%2Bb") == "a+b"
