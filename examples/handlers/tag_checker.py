"""An S3 Batch Operations Lambda: check that every listed object carries a required tag.

Deploy it to AWS Lambda as is (handler `tag_checker.handler`), or run it locally first:
`FunctionArn: "python:examples/handlers/tag_checker.py:handler"` (see
examples/lambda-invoke-local.json). It accepts both event schemas: 1.0 (`s3BucketArn`)
and 2.0 (`s3Bucket`, plus `job.userArguments`). With 2.0, `userArguments` may set
`RequiredTagKey` (default `classification`) and `AllowedValues` (comma-separated; any
value when absent).

Per object: Succeeded with `key=value` when the tag is there (and allowed),
PermanentFailure when it is missing, not allowed, or the object is gone, and
TemporaryFailure when S3 throttles or fails with a 5xx (Batch Operations retries those).
Keys arrive URL-encoded, exactly as in the manifest, so they are decoded first.
"""

from __future__ import annotations

from urllib.parse import unquote_plus

import boto3
from botocore.exceptions import ClientError

# Created once per execution environment (and once per job locally); boto3 clients
# are thread-safe, which matters locally, where tasks run concurrently in one process.
s3 = boto3.client("s3")

RETRYABLE = {"SlowDown", "Throttling", "ThrottlingException", "RequestTimeout", "InternalError", "ServiceUnavailable"}


def check(bucket: str, key: str, version_id: str | None, required: str, allowed: set[str]) -> tuple[str, str]:
    """(resultCode, resultString) for one object."""
    extra = {"VersionId": version_id} if version_id else {}
    try:
        tag_set = s3.get_object_tagging(Bucket=bucket, Key=key, **extra)["TagSet"]
    except ClientError as error:
        code = error.response["Error"].get("Code", "")
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if code in RETRYABLE or status >= 500:
            return "TemporaryFailure", f"{code}: retry later"
        return "PermanentFailure", f"{code}: {error.response['Error'].get('Message', '')}"
    tags = {tag["Key"]: tag["Value"] for tag in tag_set}
    if required not in tags:
        return "PermanentFailure", f"missing tag {required}"
    if allowed and tags[required] not in allowed:
        return "PermanentFailure", f"tag {required}={tags[required]} is not one of {', '.join(sorted(allowed))}"
    return "Succeeded", f"{required}={tags[required]}"


def handler(event: dict, context: object) -> dict:
    """The Batch Operations entry point: one result per task of the event."""
    arguments = event["job"].get("userArguments") or {}
    required = arguments.get("RequiredTagKey", "classification")
    allowed = {v.strip() for v in arguments.get("AllowedValues", "").split(",") if v.strip()}
    results = []
    for task in event["tasks"]:
        bucket = task.get("s3Bucket") or task["s3BucketArn"].split(":::", 1)[1]
        code, message = check(bucket, unquote_plus(task["s3Key"]), task.get("s3VersionId"), required, allowed)
        results.append({"taskId": task["taskId"], "resultCode": code, "resultString": message})
    return {
        "invocationSchemaVersion": event["invocationSchemaVersion"],
        "treatMissingKeysAs": "PermanentFailure",
        "invocationId": event["invocationId"],
        "results": results,
    }
