"""`S3PutObjectAcl`: one PutObjectAcl per object, with a canned or a full ACL.

AWS's `AccessControlPolicy` holds either `CannedAccessControlList` (sent as the `ACL`
header) or `AccessControlList` (sent as the request body). Exactly one must be given,
and every grant must be complete; anything else is refused when the job is built, so
no object is touched by a job S3 would refuse object by object.
"""

from __future__ import annotations

from typing import Any, ClassVar

from s3batch_tui.core.errors import InputError
from s3batch_tui.core.manifest.entry import ManifestEntry
from s3batch_tui.core.operations.base import OperationContext, TaskOutcome
from s3batch_tui.core.operations.tagging import object_address
from s3batch_tui.core.operations.versions import version_checked
from s3batch_tui.core.spec import AccessControlList, Grant, PutObjectAcl

WHERE = "Operation.S3PutObjectAcl.AccessControlPolicy"

GRANTEE_TYPES = {
    "id": ("CanonicalUser", "ID"),
    "emailAddress": ("AmazonCustomerByEmail", "EmailAddress"),
    "uri": ("Group", "URI"),
}
"""S3 Batch Operations' `TypeIdentifier` -> (S3 grantee `Type`, the member holding `Identifier`)."""


def grant_argument(grant: Grant, where: str) -> dict[str, Any]:
    """One s3control `S3Grant` as a PutObjectAcl grant; InputError names what is missing."""
    if grant.grantee is None:
        raise InputError("a grant needs a Grantee", f"{where}.Grantee")
    if grant.permission is None:
        raise InputError("a grant needs a Permission", f"{where}.Permission")
    grantee = grant.grantee
    if grantee.type_identifier is None:
        what = "a grantee needs a TypeIdentifier (id, emailAddress or uri)"
        raise InputError(what, f"{where}.Grantee.TypeIdentifier")
    if not grantee.identifier:
        raise InputError("a grantee needs an Identifier", f"{where}.Grantee.Identifier")
    grantee_type, member = GRANTEE_TYPES[grantee.type_identifier]
    result: dict[str, Any] = {"Type": grantee_type, member: grantee.identifier}
    if grantee.display_name is not None:
        result["DisplayName"] = grantee.display_name
    return {"Grantee": result, "Permission": grant.permission}


def access_control_policy(acl: AccessControlList) -> dict[str, Any]:
    """An s3control `S3AccessControlList` as PutObjectAcl's `AccessControlPolicy`.

    No grants (or an empty list) is a valid ACL: it removes every grant.
    """
    owner = {"ID": acl.owner.id} if acl.owner.id is not None else {}
    if acl.owner.display_name is not None:
        owner["DisplayName"] = acl.owner.display_name
    where = f"{WHERE}.AccessControlList.Grants"
    grants = [grant_argument(grant, f"{where}[{i}]") for i, grant in enumerate(acl.grants or [])]
    return {"Owner": owner, "Grants": grants}


def acl_arguments(params: PutObjectAcl) -> dict[str, Any]:
    """The PutObjectAcl arguments that are the same for every object of the job.

    Raises:
        InputError: neither or both of CannedAccessControlList and AccessControlList,
            or an incomplete grant; the error names the field path.
    """
    policy = params.access_control_policy
    canned = policy.canned_access_control_list if policy else None
    full = policy.access_control_list if policy else None
    if canned is not None and full is not None:
        raise InputError("give CannedAccessControlList or AccessControlList, not both", WHERE)
    if canned is not None:
        return {"ACL": canned}
    if full is not None:
        return {"AccessControlPolicy": access_control_policy(full)}
    raise InputError("required: give CannedAccessControlList or AccessControlList", WHERE)


class PutObjectAclOperation:
    """Replace each object's (or exact version's) ACL with the job's canned or full ACL."""

    name: ClassVar[str] = "S3PutObjectAcl"

    def __init__(self, params: PutObjectAcl, context: OperationContext) -> None:
        self._s3 = context.s3
        self.arguments = acl_arguments(params)

    def run(self, entry: ManifestEntry) -> TaskOutcome:
        """Put the ACL on the entry's object (or exact version)."""
        return version_checked(entry, self._s3.put_object_acl(**object_address(entry), **self.arguments))
