"""S3PutObjectCopy without a server: parameters → S3 arguments, refusals, part plans, options."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from pydantic import ValidationError

from s3batch_tui.core.errors import InputError
from s3batch_tui.core.operations.base import OperationContext
from s3batch_tui.core.operations.copy import PutObjectCopyOperation, is_too_large_for_copy_object
from s3batch_tui.core.operations.copy_args import build_copy_arguments, copy_arguments, grant_arguments
from s3batch_tui.core.operations.copy_multipart import MAX_PARTS, part_ranges
from s3batch_tui.core.spec import GIB, MIB, JobOperation, LocalOptions, PutObjectCopy, load_job_spec

EXAMPLES = Path(__file__).parents[2] / "examples"
UNTIL = datetime(2031, 2, 3, 4, 5, 6, tzinfo=timezone.utc)


def params(**fields) -> PutObjectCopy:
    return JobOperation.model_validate({"S3PutObjectCopy": fields}).params


def refusal(**fields) -> str:
    with pytest.raises(InputError) as caught:
        build_copy_arguments(params(**fields))
    return str(caught.value)


def grant(permission: str | None, kind: str | None = "id", identifier: str | None = "abc") -> dict:
    grantee = {k: v for k, v in {"TypeIdentifier": kind, "Identifier": identifier}.items() if v is not None}
    return {k: v for k, v in {"Grantee": grantee, "Permission": permission}.items() if v is not None}


def test_every_supported_parameter_maps_to_its_copy_object_argument():
    spec = params(
        TargetResource="arn:aws:s3:::dst",
        TargetKeyPrefix="p",
        MetadataDirective="REPLACE",
        NewObjectMetadata={"ContentType": "text/csv", "UserMetadata": {"a": "1"}, "RequesterCharged": True},
        NewObjectTagging=[{"Key": "t", "Value": "v w"}],
        StorageClass="STANDARD_IA",
        AccessControlGrants=[grant("READ"), grant("READ", "uri", "http://acs.amazonaws.com/groups/global/AllUsers"),
                             grant("FULL_CONTROL", "emailAddress", "a@b.example"), grant("READ_ACP"), grant("WRITE_ACP")],
        SSEAwsKmsKeyId="arn:aws:kms:us-east-1:111122223333:key/k",
        BucketKeyEnabled=True,
        ChecksumAlgorithm="SHA256",
        ObjectLockMode="GOVERNANCE",
        ObjectLockRetainUntilDate=UNTIL.isoformat(),
        ObjectLockLegalHoldStatus="ON",
        RedirectLocation="/elsewhere",
        RequesterPays=True,
        ModifiedSinceConstraint="2020-01-01T00:00:00Z",
        UnModifiedSinceConstraint="2030-01-01T00:00:00Z",
    )  # fmt: skip
    assert copy_arguments(spec) == {
        "MetadataDirective": "REPLACE",
        "TaggingDirective": "REPLACE",
        "ContentType": "text/csv",
        "Metadata": {"a": "1"},
        "Tagging": "t=v%20w",
        "StorageClass": "STANDARD_IA",
        "GrantRead": 'id="abc", uri="http://acs.amazonaws.com/groups/global/AllUsers"',
        "GrantFullControl": 'emailAddress="a@b.example"',
        "GrantReadACP": 'id="abc"',
        "GrantWriteACP": 'id="abc"',
        "ServerSideEncryption": "aws:kms",
        "SSEKMSKeyId": "arn:aws:kms:us-east-1:111122223333:key/k",
        "BucketKeyEnabled": True,
        "ChecksumAlgorithm": "SHA256",
        "ObjectLockMode": "GOVERNANCE",
        "ObjectLockRetainUntilDate": UNTIL,
        "ObjectLockLegalHoldStatus": "ON",
        "WebsiteRedirectLocation": "/elsewhere",
        "RequestPayer": "requester",
        "CopySourceIfModifiedSince": datetime(2020, 1, 1, tzinfo=timezone.utc),
        "CopySourceIfUnmodifiedSince": datetime(2030, 1, 1, tzinfo=timezone.utc),
    }


def test_arguments_are_grouped_by_the_calls_that_take_them():
    spec = params(MetadataDirective="COPY", StorageClass="GLACIER_IR", RequesterPays=True,
                  UnModifiedSinceConstraint="2030-01-01T00:00:00Z", RedirectLocation="/r")  # fmt: skip
    arguments = build_copy_arguments(spec)
    assert arguments.new_object == {"StorageClass": "GLACIER_IR", "WebsiteRedirectLocation": "/r"}
    assert arguments.directives == {"MetadataDirective": "COPY"}
    assert arguments.conditions == {"CopySourceIfUnmodifiedSince": datetime(2030, 1, 1, tzinfo=timezone.utc)}
    assert arguments.payer == {"RequestPayer": "requester"}
    assert (arguments.replace_metadata, arguments.replace_tagging) == (False, False)


def test_a_kms_key_alone_means_sse_kms():
    assert copy_arguments(params(SSEAwsKmsKeyId="alias/k")) == {
        "MetadataDirective": "COPY", "ServerSideEncryption": "aws:kms", "SSEKMSKeyId": "alias/k",
    }  # fmt: skip


def test_requester_charged_and_explicit_defaults_add_nothing():
    spec = params(NewObjectMetadata={"RequesterCharged": True}, RequesterPays=False, BucketKeyEnabled=False)
    assert copy_arguments(spec) == {"MetadataDirective": "COPY"}


def test_grants_of_one_permission_share_one_header():
    grants = params(AccessControlGrants=[grant("READ", "id", "a"), grant("READ", "emailAddress", "x@y.example")])
    assert grant_arguments(grants.access_control_grants) == {"GrantRead": 'id="a", emailAddress="x@y.example"'}


@pytest.mark.parametrize(
    ("grants", "where", "what"),
    [
        ([grant("WRITE")], "AccessControlGrants[0].Permission", "WRITE is not a permission of objects"),
        ([grant("READ"), grant(None)], "AccessControlGrants[1].Permission", "a grant needs a Permission"),
        ([{"Permission": "READ"}], "AccessControlGrants[0].Grantee", "needs a Grantee"),
        ([grant("READ", kind=None)], "AccessControlGrants[0].Grantee", "with TypeIdentifier and Identifier"),
        ([grant("READ", identifier="")], "AccessControlGrants[0].Grantee", "with TypeIdentifier and Identifier"),
        ([grant("READ", identifier='a"b')], "AccessControlGrants[0].Grantee.Identifier", "double quotes"),
    ],
)
def test_bad_grants_are_refused_by_path(grants, where, what):
    message = refusal(AccessControlGrants=grants)
    assert message.startswith(f"Operation.S3PutObjectCopy.{where}: ") and what in message


@pytest.mark.parametrize(
    ("fields", "where", "what"),
    [
        ({"CannedAccessControlList": "private", "AccessControlGrants": [grant("READ")]}, "AccessControlGrants",
         "either a canned ACL or grants"),
        ({"SSEAwsKmsKeyId": "k", "NewObjectMetadata": {"SSEAlgorithm": "AES256"}}, "SSEAwsKmsKeyId", "AES256"),
        ({"ObjectLockMode": "COMPLIANCE"}, "ObjectLockMode", "must be given together"),
        ({"ObjectLockRetainUntilDate": "2030-01-01T00:00:00Z"}, "ObjectLockRetainUntilDate", "must be given together"),
    ],
)  # fmt: skip
def test_inconsistent_parameters_are_refused_before_the_job_starts(fields, where, what):
    message = refusal(**fields)
    assert message.startswith(f"Operation.S3PutObjectCopy.{where}: ") and what in message


@pytest.mark.parametrize(
    ("fields", "where", "header"),
    [
        ({"ObjectLockEventHold": "ON"}, "ObjectLockEventHold", "x-amz-object-lock-event-hold"),
        ({"ObjectLockEventHold": "OFF"}, "ObjectLockEventHold", "x-amz-object-lock-event-hold"),
        ({"ObjectLockEventHoldDuration": {"Days": 3}}, "ObjectLockEventHoldDuration", "-duration-days/years"),
        ({"AnnotationDirective": "EXCLUDE"}, "AnnotationDirective", "x-amz-object-annotation-directive"),
        ({"AnnotationDirective": "COPY"}, "AnnotationDirective", "x-amz-object-annotation-directive"),
    ],
)
def test_parameters_no_local_server_implements_are_refused_with_the_reason(fields, where, header):
    with pytest.raises(InputError) as caught:
        PutObjectCopyOperation(params(**fields), OperationContext(None, "t"))
    assert caught.value.code == "UnsupportedParameter" and caught.value.where == f"Operation.S3PutObjectCopy.{where}"
    assert header in caught.value.what and "run this job on AWS S3 Batch Operations" in caught.value.what


def test_refused_parameters_are_real_copy_object_headers():
    # Refused because no local server implements them, not because S3 lacks them:
    # the botocore model we run with has them (if it ever drops them, revisit the reason).
    import botocore.session

    members = botocore.session.get_session().get_service_model("s3").operation_model("CopyObject").input_shape.members
    assert {"ObjectLockEventHold", "ObjectLockEventHoldDurationDays", "AnnotationDirective"} <= set(members)


@pytest.mark.parametrize(
    ("size", "part", "expected"),
    [
        (11 * MIB, 5 * MIB, [(0, 5 * MIB - 1), (5 * MIB, 10 * MIB - 1), (10 * MIB, 11 * MIB - 1)]),
        (10 * MIB, 5 * MIB, [(0, 5 * MIB - 1), (5 * MIB, 10 * MIB - 1)]),
        (5 * MIB + 1, 512 * MIB, [(0, 5 * MIB)]),
    ],
)
def test_part_ranges_cover_the_object_in_order(size, part, expected):
    assert part_ranges(size, part) == expected


def test_part_size_grows_to_stay_within_ten_thousand_parts():
    size = 5 * 1024 * GIB  # S3's largest object
    ranges = part_ranges(size, 512 * MIB)
    assert len(ranges) <= MAX_PARTS and ranges[0] == (0, 525 * MIB - 1)
    assert ranges[-1][1] == size - 1
    assert all(this[0] == previous[1] + 1 for previous, this in zip(ranges, ranges[1:]))


def test_local_options_for_multipart_copy_have_aws_defaults_and_bounds():
    options = LocalOptions()
    assert (options.multipart_copy_threshold_bytes, options.multipart_copy_part_size_bytes) == (5 * GIB, 512 * MIB)
    given = LocalOptions.model_validate({"MultipartCopyThresholdBytes": 8 * MIB, "MultipartCopyPartSizeBytes": 6 * MIB})
    assert (given.multipart_copy_threshold_bytes, given.multipart_copy_part_size_bytes) == (8 * MIB, 6 * MIB)
    for bad in ({"MultipartCopyThresholdBytes": 5 * MIB - 1}, {"MultipartCopyPartSizeBytes": 5 * MIB - 1},
                {"MultipartCopyPartSizeBytes": 5 * GIB + 1}):  # fmt: skip
        with pytest.raises(ValidationError):
            LocalOptions.model_validate(bad)


def client_error(code: str, message: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": 400}},
                       "CopyObject")  # fmt: skip


def test_only_the_size_refusal_sends_an_object_to_multipart():
    aws = "The specified copy source is larger than the maximum allowable size for a copy source: 5368709120"
    assert is_too_large_for_copy_object(client_error("InvalidRequest", aws))
    itself = "This copy request is illegal because it is trying to copy an object to itself without changing ..."
    assert not is_too_large_for_copy_object(client_error("InvalidRequest", itself))
    assert not is_too_large_for_copy_object(client_error("EntityTooLarge", aws))


@pytest.mark.parametrize("name", ["put-object-copy.json", "put-object-copy-multipart.json"])
def test_examples_load(name):
    spec = load_job_spec(EXAMPLES / name)
    assert spec.operation.name == "S3PutObjectCopy"
    build_copy_arguments(spec.operation.params)
