"""`S3PutObjectAcl` against SeaweedFS, which stores and reports object ACLs.

SeaweedFS applies canned ACLs and full ACLs whose grantees are its own identities or
the AllUsers/AuthenticatedUsers groups; it refuses grants to unknown canonical ids and
to e-mail addresses (400 InvalidRequest), so the e-mail mapping is checked on the
arguments. (moto's server accepts full ACLs but keeps only the owner's grant.)
"""

from __future__ import annotations

import uuid
from pathlib import Path
from urllib.parse import quote

import pytest

from s3batch_tui.core.engine.retry import RetryPolicy
from s3batch_tui.core.errors import InputError
from s3batch_tui.core.manifest.entry import ManifestEntry
from s3batch_tui.core.operations.acl import PutObjectAclOperation, acl_arguments
from s3batch_tui.core.operations.base import SUCCESS, OperationContext
from s3batch_tui.core.operations.legal_hold import PutObjectLegalHoldOperation
from s3batch_tui.core.operations.restore import InitiateRestoreObjectOperation
from s3batch_tui.core.operations.retention import PutObjectRetentionOperation
from s3batch_tui.core.spec import JobOperation, load_job_spec

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
EXAMPLES = Path(__file__).parents[2] / "examples"


def entry(bucket: str, key: str, version_id: str | None = None) -> ManifestEntry:
    return ManifestEntry(ordinal=0, bucket=bucket, key=key, version_id=version_id, raw_key=quote(key))


def params(policy: dict | None):
    body = {} if policy is None else {"AccessControlPolicy": policy}
    return JobOperation.model_validate({"S3PutObjectAcl": body}).params


def grants(s3, bucket: str, key: str, version_id: str | None = None) -> set[tuple[str, str]]:
    """(grantee id or URI, permission) of every grant of the object."""
    extra = {"VersionId": version_id} if version_id else {}
    acl = s3.get_object_acl(Bucket=bucket, Key=key, **extra)
    return {(g["Grantee"].get("ID") or g["Grantee"]["URI"], g["Permission"]) for g in acl["Grants"]}


@pytest.fixture(scope="module")
def acl_bucket(seaweed) -> str:
    """A versioned bucket shared by this module's tests (each test uses its own key)."""
    s3 = seaweed.client()
    name = f"acl-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=name)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return name


@pytest.fixture(scope="module")
def context(seaweed) -> OperationContext:
    return OperationContext(s3=seaweed.client(retries={"total_max_attempts": 1}), job_id="t")


@pytest.fixture
def k(s3, acl_bucket) -> str:
    """A fresh object (owner-only ACL) no other test uses."""
    key = f"{uuid.uuid4().hex[:12]}/k"
    s3.put_object(Bucket=acl_bucket, Key=key, Body=b"x")
    return key


@pytest.fixture(scope="module")
def owner(seaweed) -> dict:
    """The SeaweedFS identity that owns what the tests write."""
    s3 = seaweed.client()
    return s3.list_buckets()["Owner"]


def test_canned_acl_is_applied_then_replaced(s3, context, acl_bucket, k, owner):
    op = PutObjectAclOperation(params({"CannedAccessControlList": "public-read"}), context)
    assert op.run(entry(acl_bucket, k)) == SUCCESS
    assert grants(s3, acl_bucket, k) == {(owner["ID"], "FULL_CONTROL"), (ALL_USERS, "READ")}
    op = PutObjectAclOperation(params({"CannedAccessControlList": "private"}), context)
    assert op.run(entry(acl_bucket, k)) == SUCCESS
    assert grants(s3, acl_bucket, k) == {(owner["ID"], "FULL_CONTROL")}


def test_full_acl_replaces_every_grant(s3, context, acl_bucket, k, owner):
    s3.put_object_acl(Bucket=acl_bucket, Key=k, ACL="public-read-write")
    acl = {
        "Owner": {"ID": owner["ID"], "DisplayName": owner["DisplayName"]},
        "Grants": [
            {"Grantee": {"TypeIdentifier": "id", "Identifier": owner["ID"], "DisplayName": owner["DisplayName"]},
             "Permission": "FULL_CONTROL"},
            {"Grantee": {"TypeIdentifier": "uri", "Identifier": AUTHENTICATED_USERS}, "Permission": "READ"},
            {"Grantee": {"TypeIdentifier": "uri", "Identifier": ALL_USERS}, "Permission": "READ_ACP"},
        ],
    }  # fmt: skip
    assert PutObjectAclOperation(params({"AccessControlList": acl}), context).run(entry(acl_bucket, k)) == SUCCESS
    assert grants(s3, acl_bucket, k) == {
        (owner["ID"], "FULL_CONTROL"), (AUTHENTICATED_USERS, "READ"), (ALL_USERS, "READ_ACP"),
    }  # fmt: skip


def test_acl_on_a_version_leaves_the_current_one_alone(s3, context, acl_bucket, k, owner):
    old = s3.head_object(Bucket=acl_bucket, Key=k)["VersionId"]
    current = s3.put_object(Bucket=acl_bucket, Key=k, Body=b"new")["VersionId"]
    op = PutObjectAclOperation(params({"CannedAccessControlList": "authenticated-read"}), context)
    assert op.run(entry(acl_bucket, k, old)) == SUCCESS
    assert grants(s3, acl_bucket, k, old) == {(owner["ID"], "FULL_CONTROL"), (AUTHENTICATED_USERS, "READ")}
    assert grants(s3, acl_bucket, k, current) == grants(s3, acl_bucket, k) == {(owner["ID"], "FULL_CONTROL")}


def test_a_grant_the_server_refuses_fails_the_task_with_its_error(s3, context, acl_bucket, k, owner):
    grant = {"Grantee": {"TypeIdentifier": "id", "Identifier": "nobody-here"}, "Permission": "READ"}
    acl = {"Owner": {"ID": owner["ID"]}, "Grants": [grant]}
    op = PutObjectAclOperation(params({"AccessControlList": acl}), context)
    outcome, attempts = RetryPolicy(sleep=lambda s: None).execute(op, entry(acl_bucket, k))
    assert (outcome.succeeded, outcome.http_status, outcome.error_code, attempts) == (False, 400, "InvalidRequest", 1)
    assert grants(s3, acl_bucket, k) == {(owner["ID"], "FULL_CONTROL")}


def test_missing_object_fails_with_no_such_key(context, acl_bucket):
    op = PutObjectAclOperation(params({"CannedAccessControlList": "private"}), context)
    outcome, _ = RetryPolicy(sleep=lambda s: None).execute(op, entry(acl_bucket, "no/such/key"))
    assert (outcome.succeeded, outcome.http_status, outcome.error_code) == (False, 404, "NoSuchKey")


def test_every_grantee_type_maps_to_the_s3_grantee():
    acl = {
        "Owner": {"ID": "o1"},
        "Grants": [
            {"Grantee": {"TypeIdentifier": "id", "Identifier": "c1", "DisplayName": "me"}, "Permission": "WRITE_ACP"},
            {"Grantee": {"TypeIdentifier": "emailAddress", "Identifier": "a@example.com"}, "Permission": "READ"},
            {"Grantee": {"TypeIdentifier": "uri", "Identifier": ALL_USERS}, "Permission": "WRITE"},
        ],
    }
    assert acl_arguments(params({"AccessControlList": acl})) == {
        "AccessControlPolicy": {
            "Owner": {"ID": "o1"},
            "Grants": [
                {"Grantee": {"Type": "CanonicalUser", "ID": "c1", "DisplayName": "me"}, "Permission": "WRITE_ACP"},
                {"Grantee": {"Type": "AmazonCustomerByEmail", "EmailAddress": "a@example.com"}, "Permission": "READ"},
                {"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": "WRITE"},
            ],
        }
    }
    assert acl_arguments(params({"AccessControlList": {"Owner": {"ID": "o1"}}})) == {
        "AccessControlPolicy": {"Owner": {"ID": "o1"}, "Grants": []}
    }


WHERE = "Operation.S3PutObjectAcl.AccessControlPolicy"
GRANTS = f"{WHERE}.AccessControlList.Grants"


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        (None, f"{WHERE}: required: give CannedAccessControlList or AccessControlList"),
        ({}, f"{WHERE}: required: give CannedAccessControlList or AccessControlList"),
        ({"CannedAccessControlList": "private", "AccessControlList": {"Owner": {"ID": "o"}}},
         f"{WHERE}: give CannedAccessControlList or AccessControlList, not both"),
        ({"AccessControlList": {"Owner": {"ID": "o"}, "Grants": [{"Permission": "READ"}]}},
         f"{GRANTS}[0].Grantee: a grant needs a Grantee"),
        ({"AccessControlList": {"Owner": {"ID": "o"}, "Grants": [
            {"Grantee": {"TypeIdentifier": "uri", "Identifier": ALL_USERS}, "Permission": "READ"},
            {"Grantee": {"TypeIdentifier": "id", "Identifier": "x"}}]}},
         f"{GRANTS}[1].Permission: a grant needs a Permission"),
        ({"AccessControlList": {"Owner": {"ID": "o"}, "Grants": [
            {"Grantee": {"Identifier": "x"}, "Permission": "READ"}]}},
         f"{GRANTS}[0].Grantee.TypeIdentifier: a grantee needs a TypeIdentifier (id, emailAddress or uri)"),
        ({"AccessControlList": {"Owner": {"ID": "o"}, "Grants": [
            {"Grantee": {"TypeIdentifier": "id"}, "Permission": "READ"}]}},
         f"{GRANTS}[0].Grantee.Identifier: a grantee needs an Identifier"),
    ],
)  # fmt: skip
def test_bad_policies_are_refused_when_the_job_is_built(policy, message):
    with pytest.raises(InputError) as caught:
        PutObjectAclOperation(params(policy), OperationContext(None, "t"))
    assert str(caught.value) == message


EXAMPLE_OPERATIONS = {
    "put-object-acl": PutObjectAclOperation,
    "put-object-legal-hold": PutObjectLegalHoldOperation,
    "put-object-retention": PutObjectRetentionOperation,
    "initiate-restore-object": InitiateRestoreObjectOperation,
}


@pytest.mark.parametrize(("name", "cls"), EXAMPLE_OPERATIONS.items())
def test_examples_load_and_build_their_operation(name, cls):
    spec = load_job_spec(EXAMPLES / f"{name}.json")
    assert spec.operation.name == cls.name
    assert spec.manifest.location.object_arn == "file:///tmp/s3batch-example/manifest.csv"
    assert spec.report.bucket == "file:///tmp/s3batch-example/reports"
    cls(spec.operation.params, OperationContext(None, "t"))  # raises InputError on a bad example
