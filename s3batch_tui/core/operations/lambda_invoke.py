"""`LambdaInvoke`: one synchronous Lambda invocation per object, with S3 Batch Operations' event.

Event, schema 1.0 (the default):
`{"invocationSchemaVersion": "1.0", "invocationId", "job": {"id"}, "tasks": [{"taskId",
"s3Key", "s3VersionId", "s3BucketArn"}]}`; schema 2.0 adds `job.userArguments` and
names the bucket in `s3Bucket` instead of `s3BucketArn`. `s3Key` stays URL-encoded, as
in the manifest. One task per event, as AWS sends. A task's id is the same on every
attempt (so a function can be idempotent); the invocation id is new each time.

The function answers `{"invocationSchemaVersion", "treatMissingKeysAs", "invocationId",
"results": [{"taskId", "resultCode", "resultString"}]}`:
- `Succeeded`: the task succeeds; the report's message is `resultString`.
- `TemporaryFailure`: a retryable failure; the engine invokes again with back-off up to
  `LocalOptions.MaxAttempts` times, and the last attempt's string goes to the report.
- `PermanentFailure`: the task fails with code PermanentFailure and `resultString`.
- no result for our task: as `treatMissingKeysAs` says (default TemporaryFailure).
- a function error (an exception, a timeout) or a payload that is not JSON: the task
  fails as PermanentFailure, HTTP 200, "Lambda returned function error: <payload>"
  as in AWS reports. Errors of the Invoke call itself (throttling, missing function)
  propagate as AWS errors and follow the usual retry rules.

The target is AWS Lambda through boto3, or (extension) a local handler named
`python:module:function` or `python:/path/file.py:function` (see `lambda_local`).
"""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any, ClassVar

from s3batch_tui.core.errors import InputError
from s3batch_tui.core.manifest.entry import ManifestEntry
from s3batch_tui.core.operations.base import OperationContext, TaskOutcome
from s3batch_tui.core.operations.lambda_local import LocalInvoker, is_local_handler
from s3batch_tui.core.spec import S3_ARN_PREFIX, LambdaInvoke

WHERE = "Operation.LambdaInvoke"
RESULT_CODES = ("Succeeded", "TemporaryFailure", "PermanentFailure")
DEFAULT_MISSING = "TemporaryFailure"
"""What a task without a result counts as when the response has no `treatMissingKeysAs`."""


class AwsLambdaInvoker:
    """RequestResponse invocations of an AWS Lambda function through boto3."""

    def __init__(self, function_arn: str, client: Any) -> None:
        self._arn = function_arn
        self._client = client

    def invoke(self, payload: bytes) -> tuple[bytes, str | None]:
        """Invoke once; returns (response payload, FunctionError or None)."""
        response = self._client.invoke(FunctionName=self._arn, InvocationType="RequestResponse", Payload=payload)
        with response["Payload"] as body:
            return body.read(), response.get("FunctionError")


def task_id(job_id: str, ordinal: int) -> str:
    """A task id unique within the job and stable across attempts (base64, like AWS's)."""
    return base64.urlsafe_b64encode(f"{job_id}:{ordinal}".encode()).decode("ascii").rstrip("=")


def build_event(params: LambdaInvoke, job_id: str, entry: ManifestEntry, invocation_id: str) -> dict[str, Any]:
    """The S3 Batch Operations event for one task, in the job's schema version."""
    version = params.invocation_schema_version or "1.0"
    task: dict[str, Any] = {"taskId": task_id(job_id, entry.ordinal), "s3Key": entry.raw_key,
                            "s3VersionId": entry.version_id}  # fmt: skip
    job: dict[str, Any] = {"id": job_id}
    if version == "2.0":
        task["s3Bucket"] = entry.bucket
        job["userArguments"] = dict(params.user_arguments or {})
    else:
        task["s3BucketArn"] = f"{S3_ARN_PREFIX}{entry.bucket}"
    return {"invocationSchemaVersion": version, "invocationId": invocation_id, "job": job, "tasks": [task]}


def _permanent(message: str) -> TaskOutcome:
    return TaskOutcome(False, 200, "PermanentFailure", message)


def outcome_from_response(payload: bytes, function_error: str | None, our_task_id: str) -> TaskOutcome:
    """The task's outcome from what the function returned."""
    text = payload.decode("utf-8", errors="replace")
    if function_error:
        return _permanent(f"Lambda returned function error: {text.strip()}")
    try:
        response = json.loads(text)
    except json.JSONDecodeError as exc:
        return _permanent(f"Lambda returned invalid JSON: {exc}: {text[:200]!r}")
    if not isinstance(response, dict) or not isinstance(response.get("results", []), list):
        return _permanent(f"Lambda returned an invalid response (expected an object with a results list): {text[:200]}")
    result = next(
        (r for r in response.get("results", []) if isinstance(r, dict) and r.get("taskId") == our_task_id), None
    )
    if result is None:
        code = response.get("treatMissingKeysAs") or DEFAULT_MISSING
        message = f"Lambda returned no result for task {our_task_id}"
    else:
        code = result.get("resultCode")
        message = result.get("resultString")
        message = "" if message is None else message if isinstance(message, str) else json.dumps(message)
    if code == "Succeeded":
        return TaskOutcome(True, 200, "", message)
    if code == "TemporaryFailure":
        return TaskOutcome(False, 200, "TemporaryFailure", message, retryable=True)
    if code == "PermanentFailure":
        return _permanent(message)
    field = "treatMissingKeysAs" if result is None else "resultCode"
    return _permanent(f"Lambda returned an invalid {field} {code!r}; expected one of {', '.join(RESULT_CODES)}")


class LambdaInvokeOperation:
    """Invoke the function once per object and report what it says about the task."""

    name: ClassVar[str] = "LambdaInvoke"

    def __init__(self, params: LambdaInvoke, context: OperationContext) -> None:
        if params.user_arguments is not None and params.invocation_schema_version != "2.0":
            raise InputError("UserArguments needs InvocationSchemaVersion 2.0", f"{WHERE}.UserArguments")
        self._params = params
        self._job_id = context.job_id
        if is_local_handler(params.function_arn):
            self._invoker: AwsLambdaInvoker | LocalInvoker = LocalInvoker(params.function_arn)
        elif context.make_client is None:
            raise InputError("no AWS client factory to reach Lambda with", f"{WHERE}.FunctionArn")
        else:
            self._invoker = AwsLambdaInvoker(params.function_arn, context.make_client("lambda"))

    def run(self, entry: ManifestEntry) -> TaskOutcome:
        """Invoke the function with this object's event; Invoke API errors propagate."""
        event = build_event(self._params, self._job_id, entry, uuid.uuid4().hex)
        our_task = event["tasks"][0]["taskId"]
        payload, function_error = self._invoker.invoke(json.dumps(event).encode())
        return outcome_from_response(payload, function_error, our_task)
