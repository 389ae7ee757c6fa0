"""IAM roles that S3 Batch Operations may assume, to suggest when a job file has no RoleArn."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

from botocore.exceptions import BotoCoreError, ClientError

BATCH_PRINCIPAL = "batchoperations.s3.amazonaws.com"


def _trusts_batch(document: Any) -> bool:
    if isinstance(document, str):  # boto3 decodes it; a raw client gives URL-encoded JSON
        document = json.loads(unquote(document))
    for statement in document.get("Statement", []):
        if statement.get("Effect") != "Allow":
            continue
        services = (statement.get("Principal") or {}).get("Service", [])
        if BATCH_PRINCIPAL in ([services] if isinstance(services, str) else services):
            return True
    return False


def batch_roles(iam_client: Any) -> list[str]:
    """ARNs of the roles whose trust policy lets S3 Batch Operations assume them.

    Empty when IAM does not answer (no permission, no IAM at that endpoint): the
    suggestion is a courtesy, the missing RoleArn error stands without it.
    """
    try:
        pages = iam_client.get_paginator("list_roles").paginate()
        return [role["Arn"] for page in pages for role in page["Roles"]
                if _trusts_batch(role.get("AssumeRolePolicyDocument") or {})]  # fmt: skip
    except (ClientError, BotoCoreError, ValueError):
        return []
