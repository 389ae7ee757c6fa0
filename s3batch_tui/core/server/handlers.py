"""The eight job operations over the local store and the server's engine.

Each handler takes the parameters the codec read (named as in the model) and returns
the output members; errors are `ApiError`s named after the model's error shapes.
Jobs created here are ordinary jobs: `job list` and the TUI show them and can steer them.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from typing import Any

from botocore.model import OperationModel, Shape

from s3batch_tui.core.create import create_job
from s3batch_tui.core.describe import describe_job
from s3batch_tui.core.engine.control import ControlResult, request_control
from s3batch_tui.core.errors import IdempotencyConflict, InputError, JobNotFound, JobStateError
from s3batch_tui.core.job_tags import TooManyTags, check_tags, get_tags, put_tags
from s3batch_tui.core.server.codec import ApiError
from s3batch_tui.core.server.listing import list_jobs
from s3batch_tui.core.server.runner import ServedJobs
from s3batch_tui.core.spec import parse_job_spec
from s3batch_tui.core.store import Store

Handler = Callable[[dict[str, Any]], dict[str, Any]]


def _json_ready(value: Any) -> Any:
    """Parsed XML → the JSON the AWS CLI would have read (timestamps as ISO-8601 text)."""
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_ready(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def check_scalars(operation: OperationModel, params: dict[str, Any]) -> None:
    """The model's min/max/enum/pattern limits on members outside the body (ids, query values)."""
    for name, member in operation.input_shape.members.items():
        if "location" not in member.serialization or name not in params:
            continue
        for value in params[name] if member.type_name == "list" else [params[name]]:
            problem = _violation(member.member if member.type_name == "list" else member, value)
            if problem:
                raise ApiError("InvalidRequestException" if name != "JobId" else "BadRequestException",
                               f"{member.serialization.get('name', name)}: {problem}")  # fmt: skip


def _violation(shape: Shape, value: Any) -> str | None:
    meta = shape.metadata
    size = len(value) if isinstance(value, str) else value
    if "min" in meta and size < meta["min"]:
        return f"{value!r} is below the minimum ({meta['min']})"
    if "max" in meta and size > meta["max"]:
        return f"{value!r} is above the maximum ({meta['max']})"
    enum = getattr(shape, "enum", None)  # only string shapes have one
    if enum and value not in enum:
        return f"{value!r} is not one of {', '.join(enum)}"
    pattern = meta.get("pattern")
    if pattern and "\\p{" not in pattern and not re.fullmatch(pattern, value):
        return f"{value!r} does not match {pattern}"
    return None


class JobHandlers:
    """The operations, by model name (`handlers()[name](params) -> output`)."""

    def __init__(self, store: Store, served: ServedJobs) -> None:
        self.store = store
        self.served = served

    def handlers(self) -> dict[str, Handler]:
        """Operation name → handler."""
        return {
            "CreateJob": self.create_job,
            "DescribeJob": self.describe_job,
            "ListJobs": lambda params: list_jobs(self.store, params),
            "UpdateJobStatus": self.update_job_status,
            "UpdateJobPriority": self.update_job_priority,
            "GetJobTagging": lambda params: {"Tags": get_tags(self.store, self._job(params))},
            "PutJobTagging": self.put_job_tagging,
            "DeleteJobTagging": self.delete_job_tagging,
        }

    def _job(self, params: dict[str, Any]) -> str:
        job_id = params["JobId"]
        try:
            self.store.get(job_id)
        except JobNotFound:
            raise ApiError("NotFoundException", f"The job {job_id} was not found.") from None
        return job_id

    def create_job(self, params: dict[str, Any]) -> dict[str, Any]:
        """CreateJob: validate the request as a job file, store the job, and start running it."""
        try:
            check_tags(params.get("Tags") or [])
            spec = parse_job_spec(json.dumps(_json_ready(params)), "CreateJobRequest")
            job_id = create_job(self.store, spec)
        except IdempotencyConflict as exc:
            raise ApiError("IdempotencyException", str(exc)) from None
        except (TooManyTags, InputError) as exc:
            raise ApiError("BadRequestException", str(exc)) from None
        self.served.adopt(job_id)
        return {"JobId": job_id}

    def describe_job(self, params: dict[str, Any]) -> dict[str, Any]:
        """DescribeJob: the job as `job show --json` shows it (the codec drops our `Local` extras)."""
        return describe_job(self.store.get(self._job(params)), self.store)

    def update_job_status(self, params: dict[str, Any]) -> dict[str, Any]:
        """UpdateJobStatus: Ready confirms a Suspended job, Cancelled cancels a job."""
        job_id = self._job(params)
        requested = params.get("RequestedJobStatus")
        if requested is None:
            raise ApiError("BadRequestException", "RequestedJobStatus is required")
        action = {"Ready": "confirm", "Cancelled": "cancel"}[requested]
        try:
            result = request_control(self.store, job_id, action)
        except JobStateError as exc:
            raise ApiError("JobStatusException", str(exc)) from None
        if result == ControlResult.NEEDS_RUNNER or (result == ControlResult.DONE and action == "confirm"):
            self.served.run(job_id)  # someone must run it: to write the report, or to start
        record = self.store.get(job_id)
        status = record.status.value
        if result != ControlResult.DONE:
            status = {"confirm": "Ready", "cancel": "Cancelling"}[action]
        output = {"JobId": job_id, "Status": status}
        reason = params.get("StatusUpdateReason") or record.status_reason
        return output | ({"StatusUpdateReason": reason} if reason else {})

    def update_job_priority(self, params: dict[str, Any]) -> dict[str, Any]:
        """UpdateJobPriority: a running job picks the new priority up within a second."""
        job_id = self._job(params)
        if "Priority" not in params:
            raise ApiError("BadRequestException", "Priority is required")
        try:
            self.store.set_priority(job_id, params["Priority"])
        except (JobStateError, ValueError) as exc:
            raise ApiError("BadRequestException", str(exc)) from None
        return {"JobId": job_id, "Priority": params["Priority"]}

    def put_job_tagging(self, params: dict[str, Any]) -> dict[str, Any]:
        """PutJobTagging: replace the job's tags (at most 50, unique keys)."""
        job_id = self._job(params)
        try:
            put_tags(self.store, job_id, params.get("Tags") or [])
        except TooManyTags as exc:
            raise ApiError("TooManyTagsException", str(exc)) from None
        except InputError as exc:
            raise ApiError("InvalidRequestException", str(exc)) from None
        return {}

    def delete_job_tagging(self, params: dict[str, Any]) -> dict[str, Any]:
        """DeleteJobTagging: remove every tag of the job."""
        put_tags(self.store, self._job(params), [])
        return {}
