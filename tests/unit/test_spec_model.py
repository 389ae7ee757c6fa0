"""CreateJob documents against botocore's s3control model: every constraint kind, on many members.

Each invalid document must be refused with an error naming its member path; each valid
one (every file in examples/, other partitions, epoch timestamps) must load.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from s3batch_tui.core.errors import InputError
from s3batch_tui.core.spec import load_job_spec, parse_job_spec
from tests.unit.test_spec import AWS_JOB

EXAMPLES = Path(__file__).parents[2] / "examples"
ACCOUNT = "123456789012"
TAGGING = AWS_JOB | {"ConfirmationRequired": False, "Priority": 10, "ClientRequestToken": "token-1"}
GENERATOR = {k: v for k, v in TAGGING.items() if k != "Manifest"} | {
    "ManifestGenerator": {
        "S3JobManifestGenerator": {
            "SourceBucket": "arn:aws:s3:::source",
            "EnableManifestOutput": True,
            "ManifestOutputLocation": {"Bucket": "arn:aws:s3:::out", "ManifestFormat": "S3InventoryReport_CSV_20211130",
                                       "ManifestPrefix": "m"},  # fmt: skip
            "Filter": {"MatchAnyStorageClass": ["STANDARD"], "KeyNameConstraint": {"MatchAnyPrefix": ["logs/"]}},
        }
    }
}
LAMBDA = {"FunctionArn": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:f", "InvocationSchemaVersion": "2.0",
          "UserArguments": {"a": "b"}}  # fmt: skip
COPY = {"TargetResource": "arn:aws:s3:::dest", "TargetKeyPrefix": "p", "NewObjectMetadata": {"CacheControl": "no-cache"}}
KMS_KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
GEN = "ManifestGenerator.S3JobManifestGenerator"
FILTER = f"{GEN}.Filter"


def _set(document: dict, path: str, value) -> dict:
    """A copy of `document` with the member at dotted `path` set (or removed, for `...`)."""
    result = copy.deepcopy(document)
    *parents, last = path.split(".")
    target = result
    for part in parents:
        if part.endswith("]"):
            name, index = part[:-1].split("[")
            target = target[name][int(index)]
        else:
            target = target.setdefault(part, {})
    if value is ...:
        target.pop(last, None)
    else:
        target[last] = value
    return result


def _operation(name: str, params: dict) -> dict:
    return _set(TAGGING, "Operation", {name: params})


# (id, document, the member path the error must name)
INVALID = [
    # exact member names (case-sensitive, no snake_case)
    ("lower-operation", _set(_set(TAGGING, "Operation", ...), "operation", TAGGING["Operation"]), "operation"),
    ("snake-tag-set", _operation("S3PutObjectTagging", {"tag_set": []}), "Operation.S3PutObjectTagging.tag_set"),
    ("camel-account", _set(_set(TAGGING, "AccountId", ...), "accountId", ACCOUNT), "accountId"),
    ("lower-report-enabled", _set(TAGGING, "Report.enabled", True), "Report.enabled"),
    ("lower-manifest-spec", _set(TAGGING, "Manifest.spec", {}), "Manifest.spec"),
    ("etag-case", _set(_set(TAGGING, "Manifest.Location.ETag", ...), "Manifest.Location.Etag", "x"),
     "Manifest.Location.Etag"),
    ("lower-tag-key", _operation("S3PutObjectTagging", {"TagSet": [{"key": "a", "Value": "b"}]}),
     "Operation.S3PutObjectTagging.TagSet[0].key"),
    ("lower-description", _set(TAGGING, "description", "x"), "description"),
    ("lower-operation-name", _operation("s3PutObjectTagging", {}), "Operation.s3PutObjectTagging"),
    ("unknown-top", _set(TAGGING, "Foo", 1), "Foo"),
    ("snake-function-arn", _operation("LambdaInvoke", {"function_arn": "f"}), "Operation.LambdaInvoke.function_arn"),
    # no coercion
    ("priority-string", _set(TAGGING, "Priority", "10"), "Priority"),
    ("priority-bool", _set(TAGGING, "Priority", True), "Priority"),
    ("priority-float", _set(TAGGING, "Priority", 10.0), "Priority"),
    ("priority-null", _set(TAGGING, "Priority", None), "Priority"),
    ("confirmation-string", _set(TAGGING, "ConfirmationRequired", "false"), "ConfirmationRequired"),
    ("confirmation-number", _set(TAGGING, "ConfirmationRequired", 0), "ConfirmationRequired"),
    ("enabled-string", _set(TAGGING, "Report.Enabled", "true"), "Report.Enabled"),
    ("enabled-number", _set(TAGGING, "Report.Enabled", 1), "Report.Enabled"),
    ("description-number", _set(TAGGING, "Description", 5), "Description"),
    ("tags-object", _set(TAGGING, "Tags", {"k": "v"}), "Tags"),
    ("tagset-object", _operation("S3PutObjectTagging", {"TagSet": {"k": "v"}}), "Operation.S3PutObjectTagging.TagSet"),
    ("tag-value-number", _operation("S3PutObjectTagging", {"TagSet": [{"Key": "a", "Value": 1}]}),
     "Operation.S3PutObjectTagging.TagSet[0].Value"),
    ("restore-days-string", _operation("S3InitiateRestoreObject", {"ExpirationInDays": "7"}),
     "Operation.S3InitiateRestoreObject.ExpirationInDays"),
    ("restore-days-float", _operation("S3InitiateRestoreObject", {"ExpirationInDays": 7.5}),
     "Operation.S3InitiateRestoreObject.ExpirationInDays"),
    ("size-string", _set(GENERATOR, f"{FILTER}.ObjectSizeGreaterThanBytes", "10"), f"{FILTER}.ObjectSizeGreaterThanBytes"),
    ("output-string", _set(GENERATOR, f"{GEN}.EnableManifestOutput", "true"), f"{GEN}.EnableManifestOutput"),
    ("user-arguments-list", _operation("LambdaInvoke", LAMBDA | {"UserArguments": ["a"]}),
     "Operation.LambdaInvoke.UserArguments"),
    ("user-argument-number", _operation("LambdaInvoke", LAMBDA | {"UserArguments": {"a": 1}}),
     "Operation.LambdaInvoke.UserArguments['a']"),
    ("fields-string", _set(TAGGING, "Manifest.Spec.Fields", "Bucket,Key"), "Manifest.Spec.Fields"),
    ("since-bool", _operation("S3PutObjectCopy", COPY | {"ModifiedSinceConstraint": True}),
     "Operation.S3PutObjectCopy.ModifiedSinceConstraint"),
    ("since-words", _operation("S3PutObjectCopy", COPY | {"ModifiedSinceConstraint": "yesterday"}),
     "Operation.S3PutObjectCopy.ModifiedSinceConstraint"),
    ("created-after-list", _set(GENERATOR, f"{FILTER}.CreatedAfter", [2020]), f"{FILTER}.CreatedAfter"),
    ("operation-string", _set(TAGGING, "Operation", "S3PutObjectTagging"), "Operation"),
    ("bypass-string", _operation("S3PutObjectRetention", {"Retention": {"Mode": "GOVERNANCE"},
                                                          "BypassGovernanceRetention": "yes"}),
     "Operation.S3PutObjectRetention.BypassGovernanceRetention"),
    ("content-length-string", _operation("S3PutObjectCopy", COPY | {"NewObjectMetadata": {"ContentLength": "1"}}),
     "Operation.S3PutObjectCopy.NewObjectMetadata.ContentLength"),
    # lengths and ranges
    ("description-empty", _set(TAGGING, "Description", ""), "Description"),
    ("description-long", _set(TAGGING, "Description", "d" * 257), "Description"),
    ("token-empty", _set(TAGGING, "ClientRequestToken", ""), "ClientRequestToken"),
    ("token-long", _set(TAGGING, "ClientRequestToken", "t" * 65), "ClientRequestToken"),
    ("priority-negative", _set(TAGGING, "Priority", -1), "Priority"),
    ("priority-too-big", _set(TAGGING, "Priority", 2147483648), "Priority"),
    ("tag-key-empty", _operation("S3PutObjectTagging", {"TagSet": [{"Key": "", "Value": "b"}]}),
     "Operation.S3PutObjectTagging.TagSet[0].Key"),
    ("tag-key-long", _operation("S3PutObjectTagging", {"TagSet": [{"Key": "a", "Value": "b"}, {"Key": "k" * 129,
                                                                                              "Value": "b"}]}),
     "Operation.S3PutObjectTagging.TagSet[1].Key"),
    ("tag-value-long", _operation("S3PutObjectTagging", {"TagSet": [{"Key": "a", "Value": "v" * 257}]}),
     "Operation.S3PutObjectTagging.TagSet[0].Value"),
    ("job-tag-key-empty", _set(TAGGING, "Tags", [{"Key": "", "Value": "v"}]), "Tags[0].Key"),
    ("report-prefix-empty", _set(TAGGING, "Report.Prefix", ""), "Report.Prefix"),
    ("report-prefix-long", _set(TAGGING, "Report.Prefix", "p" * 513), "Report.Prefix"),
    ("report-bucket-long", _set(TAGGING, "Report.Bucket", "arn:aws:s3:::" + "b" * 120), "Report.Bucket"),
    ("etag-empty", _set(TAGGING, "Manifest.Location.ETag", ""), "Manifest.Location.ETag"),
    ("version-empty", _set(TAGGING, "Manifest.Location.ObjectVersionId", ""), "Manifest.Location.ObjectVersionId"),
    ("target-prefix-empty", _operation("S3PutObjectCopy", COPY | {"TargetKeyPrefix": ""}),
     "Operation.S3PutObjectCopy.TargetKeyPrefix"),
    ("user-arguments-11", _operation("LambdaInvoke", LAMBDA | {"UserArguments": {str(i): "v" for i in range(11)}}),
     "Operation.LambdaInvoke.UserArguments"),
    ("user-arguments-empty", _operation("LambdaInvoke", LAMBDA | {"UserArguments": {}}),
     "Operation.LambdaInvoke.UserArguments"),
    ("user-argument-key-empty", _operation("LambdaInvoke", LAMBDA | {"UserArguments": {"": "v"}}),
     "Operation.LambdaInvoke.UserArguments key"),
    ("user-argument-key-long", _operation("LambdaInvoke", LAMBDA | {"UserArguments": {"k" * 65: "v"}}),
     "Operation.LambdaInvoke.UserArguments key"),
    ("user-argument-value-long", _operation("LambdaInvoke", LAMBDA | {"UserArguments": {"k": "v" * 1025}}),
     "Operation.LambdaInvoke.UserArguments['k']"),
    ("schema-version-empty", _operation("LambdaInvoke", LAMBDA | {"InvocationSchemaVersion": ""}),
     "Operation.LambdaInvoke.InvocationSchemaVersion"),
    ("function-arn-empty", _operation("LambdaInvoke", LAMBDA | {"FunctionArn": ""}), "Operation.LambdaInvoke.FunctionArn"),
    ("restore-days-negative", _operation("S3InitiateRestoreObject", {"ExpirationInDays": -1}),
     "Operation.S3InitiateRestoreObject.ExpirationInDays"),
    ("event-hold-days-zero", _operation("S3PutObjectRetention", {"Retention": {"EventHoldDuration": {"Days": 0}}}),
     "Operation.S3PutObjectRetention.Retention.EventHoldDuration.Days"),
    ("event-hold-years-101", _operation("S3PutObjectCopy", COPY | {"ObjectLockEventHoldDuration": {"Years": 101}}),
     "Operation.S3PutObjectCopy.ObjectLockEventHoldDuration.Years"),
    ("cache-control-empty", _operation("S3PutObjectCopy", COPY | {"NewObjectMetadata": {"CacheControl": ""}}),
     "Operation.S3PutObjectCopy.NewObjectMetadata.CacheControl"),
    ("content-length-negative", _operation("S3PutObjectCopy", COPY | {"NewObjectMetadata": {"ContentLength": -1}}),
     "Operation.S3PutObjectCopy.NewObjectMetadata.ContentLength"),
    ("redirect-empty", _operation("S3PutObjectCopy", COPY | {"RedirectLocation": ""}),
     "Operation.S3PutObjectCopy.RedirectLocation"),
    ("kms-key-empty", _operation("S3PutObjectCopy", COPY | {"SSEAwsKmsKeyId": ""}), "Operation.S3PutObjectCopy.SSEAwsKmsKeyId"),
    ("user-metadata-value-long", _operation("S3PutObjectCopy", COPY | {"NewObjectMetadata": {"UserMetadata": {"a": "v" * 1025}}}),
     "Operation.S3PutObjectCopy.NewObjectMetadata.UserMetadata['a']"),
    ("prefix-filter-empty", _set(GENERATOR, f"{FILTER}.KeyNameConstraint.MatchAnyPrefix", ["logs/", ""]),
     f"{FILTER}.KeyNameConstraint.MatchAnyPrefix[1]"),
    ("manifest-prefix-empty", _set(GENERATOR, f"{GEN}.ManifestOutputLocation.ManifestPrefix", ""),
     f"{GEN}.ManifestOutputLocation.ManifestPrefix"),
    ("encryption-filter-empty", _set(GENERATOR, f"{FILTER}.MatchAnyObjectEncryption", []), f"{FILTER}.MatchAnyObjectEncryption"),
    ("encryption-filter-two", _set(GENERATOR, f"{FILTER}.MatchAnyObjectEncryption", [{"SSES3": {}}, {"NOTSSE": {}}]),
     f"{FILTER}.MatchAnyObjectEncryption"),
    ("grantee-identifier-empty", _operation("S3PutObjectCopy", COPY | {"AccessControlGrants": [
        {"Grantee": {"TypeIdentifier": "id", "Identifier": ""}, "Permission": "READ"}]}),
     "Operation.S3PutObjectCopy.AccessControlGrants[0].Grantee.Identifier"),
    # patterns
    ("account-short", _set(TAGGING, "AccountId", "12345"), "AccountId"),
    ("account-letters", _set(TAGGING, "AccountId", "12345678901a"), "AccountId"),
    ("role-bare", _set(TAGGING, "RoleArn", "role/batch"), "RoleArn"),
    ("role-short-account", _set(TAGGING, "RoleArn", "arn:aws:iam::12345:role/x"), "RoleArn"),
    ("role-wrong-service", _set(TAGGING, "RoleArn", "arn:aws:s3:::bucket"), "RoleArn"),
    ("function-spaces", _operation("LambdaInvoke", LAMBDA | {"FunctionArn": "not a function!"}),
     "Operation.LambdaInvoke.FunctionArn"),
    ("function-arn-space", _operation("LambdaInvoke", LAMBDA | {"FunctionArn": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:my fn"}),
     "Operation.LambdaInvoke.FunctionArn"),
    ("report-bucket-uri", _set(TAGGING, "Report.Bucket", "s3://reports"), "Report.Bucket"),
    ("report-bucket-iam", _set(TAGGING, "Report.Bucket", f"arn:aws:iam::{ACCOUNT}:role/x"), "Report.Bucket"),
    ("manifest-uri", _set(TAGGING, "Manifest.Location.ObjectArn", "s3://manifests/m.csv"), "Manifest.Location.ObjectArn"),
    ("target-bare", _operation("S3PutObjectCopy", COPY | {"TargetResource": "dest"}), "Operation.S3PutObjectCopy.TargetResource"),
    ("expected-owner", _set(TAGGING, "Report.ExpectedBucketOwner", "abc"), "Report.ExpectedBucketOwner"),
    ("tag-key-star", _operation("S3PutObjectTagging", {"TagSet": [{"Key": "bad*char", "Value": "b"}]}),
     "Operation.S3PutObjectTagging.TagSet[0].Key"),
    ("tag-value-pipe", _operation("S3PutObjectTagging", {"TagSet": [{"Key": "a", "Value": "a|b"}]}),
     "Operation.S3PutObjectTagging.TagSet[0].Value"),
    ("job-tag-value-pipe", _set(TAGGING, "Tags", [{"Key": "a", "Value": "a|b"}]), "Tags[0].Value"),
    ("source-bare", _set(GENERATOR, f"{GEN}.SourceBucket", "source"), f"{GEN}.SourceBucket"),
    ("output-owner", _set(GENERATOR, f"{GEN}.ManifestOutputLocation.ExpectedManifestBucketOwner", "1"),
     f"{GEN}.ManifestOutputLocation.ExpectedManifestBucketOwner"),
    ("update-encryption-kms", _operation("S3UpdateObjectEncryption", {"ObjectEncryption": {"SSEKMS": {
        "KMSKeyArn": "arn:aws:kms:us-east-1:123:key/x"}}}),
     "Operation.S3UpdateObjectEncryption.ObjectEncryption.SSEKMS.KMSKeyArn"),
    ("filter-kms", _set(GENERATOR, f"{FILTER}.MatchAnyObjectEncryption", [{"SSEKMS": {"KmsKeyArn": "alias/my-key-alias-long"}}]),
     f"{FILTER}.MatchAnyObjectEncryption[0].SSEKMS.KmsKeyArn"),
    # enums
    ("storage-class-cold", _set(GENERATOR, f"{FILTER}.MatchAnyStorageClass", ["COLD"]), f"{FILTER}.MatchAnyStorageClass[0]"),
    ("report-format", _set(TAGGING, "Report.Format", "CSV"), "Report.Format"),
    ("report-scope", _set(TAGGING, "Report.ReportScope", "All"), "Report.ReportScope"),
    ("manifest-format", _set(TAGGING, "Manifest.Spec.Format", "CSV"), "Manifest.Spec.Format"),
    ("fields-lower", _set(TAGGING, "Manifest.Spec.Fields", ["bucket", "Key"]), "Manifest.Spec.Fields[0]"),
    ("copy-storage-lower", _operation("S3PutObjectCopy", COPY | {"StorageClass": "standard"}),
     "Operation.S3PutObjectCopy.StorageClass"),
    ("metadata-directive", _operation("S3PutObjectCopy", COPY | {"MetadataDirective": "copy"}),
     "Operation.S3PutObjectCopy.MetadataDirective"),
    ("canned-acl", _operation("S3PutObjectCopy", COPY | {"CannedAccessControlList": "public"}),
     "Operation.S3PutObjectCopy.CannedAccessControlList"),
    ("glacier-tier", _operation("S3InitiateRestoreObject", {"GlacierJobTier": "EXPEDITED"}),
     "Operation.S3InitiateRestoreObject.GlacierJobTier"),
    ("legal-hold-lower", _operation("S3PutObjectLegalHold", {"LegalHold": {"Status": "on"}}),
     "Operation.S3PutObjectLegalHold.LegalHold.Status"),
    ("retention-mode-lower", _operation("S3PutObjectRetention", {"Retention": {"Mode": "governance"}}),
     "Operation.S3PutObjectRetention.Retention.Mode"),
    ("checksum-crc16", _operation("S3ComputeObjectChecksum", {"ChecksumAlgorithm": "CRC16"}),
     "Operation.S3ComputeObjectChecksum.ChecksumAlgorithm"),
    ("checksum-type", _operation("S3ComputeObjectChecksum", {"ChecksumType": "PARTIAL"}),
     "Operation.S3ComputeObjectChecksum.ChecksumType"),
    ("output-format", _set(GENERATOR, f"{GEN}.ManifestOutputLocation.ManifestFormat", "CSV"),
     f"{GEN}.ManifestOutputLocation.ManifestFormat"),
    ("replication-status", _set(GENERATOR, f"{FILTER}.ObjectReplicationStatuses", ["DONE"]),
     f"{FILTER}.ObjectReplicationStatuses[0]"),
    ("grant-permission", _operation("S3PutObjectCopy", COPY | {"AccessControlGrants": [
        {"Grantee": {"TypeIdentifier": "id", "Identifier": "abc"}, "Permission": "ALL"}]}),
     "Operation.S3PutObjectCopy.AccessControlGrants[0].Permission"),
    ("grantee-type", _operation("S3PutObjectAcl", {"AccessControlPolicy": {"AccessControlList": {
        "Owner": {"ID": "o"}, "Grants": [{"Grantee": {"TypeIdentifier": "user"}, "Permission": "READ"}]}}}),
     "Operation.S3PutObjectAcl.AccessControlPolicy.AccessControlList.Grants[0].Grantee.TypeIdentifier"),
    ("sse-algorithm", _operation("S3PutObjectCopy", COPY | {"NewObjectMetadata": {"SSEAlgorithm": "aes256"}}),
     "Operation.S3PutObjectCopy.NewObjectMetadata.SSEAlgorithm"),
    # required members
    ("report-missing", _set(TAGGING, "Report", ...), "Report"),
    ("enabled-missing", _set(TAGGING, "Report.Enabled", ...), "Report.Enabled"),
    ("spec-missing", _set(TAGGING, "Manifest.Spec", ...), "Manifest.Spec"),
    ("format-missing", _set(TAGGING, "Manifest.Spec.Format", ...), "Manifest.Spec.Format"),
    ("etag-missing", _set(TAGGING, "Manifest.Location.ETag", ...), "Manifest.Location.ETag"),
    ("legal-hold-missing", _operation("S3PutObjectLegalHold", {}), "Operation.S3PutObjectLegalHold.LegalHold"),
    ("legal-hold-status-missing", _operation("S3PutObjectLegalHold", {"LegalHold": {}}),
     "Operation.S3PutObjectLegalHold.LegalHold.Status"),
    ("tag-value-missing", _operation("S3PutObjectTagging", {"TagSet": [{"Key": "a"}]}),
     "Operation.S3PutObjectTagging.TagSet[0].Value"),
    ("output-flag-missing", _set(GENERATOR, f"{GEN}.EnableManifestOutput", ...), f"{GEN}.EnableManifestOutput"),
    ("output-format-missing", _set(GENERATOR, f"{GEN}.ManifestOutputLocation.ManifestFormat", ...),
     f"{GEN}.ManifestOutputLocation.ManifestFormat"),
    ("acl-owner-missing", _operation("S3PutObjectAcl", {"AccessControlPolicy": {"AccessControlList": {"Grants": []}}}),
     "Operation.S3PutObjectAcl.AccessControlPolicy.AccessControlList.Owner"),
    ("operation-missing", _set(TAGGING, "Operation", ...), "Operation"),
    # unions and nulls
    ("generator-empty", _set(GENERATOR, "ManifestGenerator", {}), "ManifestGenerator"),
    ("encryption-filter-union", _set(GENERATOR, f"{FILTER}.MatchAnyObjectEncryption", [{"SSES3": {}, "NOTSSE": {}}]),
     f"{FILTER}.MatchAnyObjectEncryption[0]"),
    ("description-null", _set(TAGGING, "Description", None), "Description"),
]


@pytest.mark.parametrize(("document", "path"), [case[1:] for case in INVALID], ids=[case[0] for case in INVALID])
def test_the_model_refuses_it_naming_the_member(document, path):
    with pytest.raises(InputError) as caught:
        parse_job_spec(json.dumps(document), "job.json")
    assert f"job.json: {path}" in str(caught.value)


def test_every_constraint_kind_is_covered_many_times():
    assert len(INVALID) >= 95
    assert len({case[0] for case in INVALID}) == len(INVALID)


def test_a_misspelt_member_gets_the_right_name_suggested():
    with pytest.raises(InputError, match=r"tag_set: unknown member .*did you mean TagSet\?"):
        parse_job_spec(json.dumps(_operation("S3PutObjectTagging", {"tag_set": []})))


def test_several_problems_are_all_named():
    document = _set(_set(TAGGING, "Priority", "10"), "Description", "")
    with pytest.raises(InputError) as caught:
        parse_job_spec(json.dumps(document), "job.json")
    assert "job.json: Priority:" in str(caught.value) and "job.json: Description:" in str(caught.value)


VALID = [
    ("aws-job", TAGGING),
    ("generator", GENERATOR),
    ("china-partition", _set(_set(_set(TAGGING, "Report.Bucket", "arn:aws-cn:s3:::reports"),
                                  "Manifest.Location.ObjectArn", "arn:aws-cn:s3:::manifests/m.csv"),
                             "RoleArn", f"arn:aws-cn:iam::{ACCOUNT}:role/batch")),
    ("gov-partition", _set(_operation("S3PutObjectCopy", COPY | {"TargetResource": "arn:aws-us-gov:s3:::dest"}),
                           "RoleArn", f"arn:aws-us-gov:iam::{ACCOUNT}:role/batch")),
    ("gov-generator", _set(GENERATOR, f"{GEN}.SourceBucket", "arn:aws-us-gov:s3:::source")),
    ("china-lambda", _operation("LambdaInvoke", LAMBDA | {"FunctionArn": f"arn:aws-cn:lambda:cn-north-1:{ACCOUNT}:function:f"})),
    ("lambda-name-alias", _operation("LambdaInvoke", LAMBDA | {"FunctionArn": "my-function:$LATEST"})),
    ("epoch-timestamp", _operation("S3PutObjectCopy", COPY | {"ModifiedSinceConstraint": 1700000000})),
    ("epoch-float-timestamp", _set(GENERATOR, f"{FILTER}.CreatedAfter", 1700000000.5)),
    ("unicode-tags", _set(TAGGING, "Tags", [{"Key": "Équipe données", "Value": ""}])),
    ("bounds", _set(_set(TAGGING, "Priority", 2147483647), "Description", "d" * 256)),
    ("priority-zero", _set(TAGGING, "Priority", 0)),
    ("encryption-filter", _set(GENERATOR, f"{FILTER}.MatchAnyObjectEncryption", [{"SSEKMS": {"KmsKeyArn": KMS_KEY}}])),
    ("local-options", _set(TAGGING, "LocalOptions", {"MaxAttempts": 3})),
    ("file-manifest-without-etag", _set(TAGGING, "Manifest.Location", {"ObjectArn": "file:///tmp/m.csv"})),
    ("local-delete", _set(TAGGING, "Operation", {"LocalDeleteObject": {"Confirmed": True}})),
    ("no-account-role-token-priority", {k: v for k, v in TAGGING.items()
                                        if k not in ("AccountId", "RoleArn", "ClientRequestToken", "Priority")}),
]


@pytest.mark.parametrize("document", [case[1] for case in VALID], ids=[case[0] for case in VALID])
def test_the_model_accepts_it(document):
    spec = parse_job_spec(json.dumps(document))
    assert spec.operation.name == next(iter(document["Operation"]))


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.json")), ids=lambda p: p.name)
def test_every_example_file_loads(path):
    assert load_job_spec(path).report is not None


def test_a_china_partition_bucket_names_its_bucket():
    spec = parse_job_spec(json.dumps(_set(TAGGING, "Manifest.Location.ObjectArn", "arn:aws-cn:s3:::manifests/m.csv")))
    assert spec.manifest.location.bucket_and_key == ("manifests", "m.csv")
