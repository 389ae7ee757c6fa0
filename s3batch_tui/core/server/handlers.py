"""The eight job operations over the local store and the server's engine.

Each handler takes the parameters the codec read (named as in the model) and returns
the output members; errors are `ApiError`s named after the model's error shapes.
Jobs created here are ordinary jobs: `job list` and the TUI show them and can steer them.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from s3batch_tui.core.create import create_job
from s3batch_tui.core.describe import describe_job
from s3batch_tui.core.expiry import expire_suspended
from s3batch_tui.core.engine.control import ControlResult, request_control
from s3batch_tui.core.errors import IdempotencyConflict, InputError, JobNotFound, JobStateError
from s3batch_tui.core.job_tags import TooManyTags, check_tags, get_tags, put_tags
from s3batch_tui.core.server.codec import ApiError
from s3batch_tui.core.server.listing import list_jobs
from s3batch_tui.core.server.runner import ServedJobs
from s3batch_tui.core.spec import parse_job_spec
from s3batch_tui.core.store import JobRecord, Store

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


class JobHandlers:
    """The operations, by model name (`handlers()[name](params) -> output`)."""

    def __init__(self, store: Store, served: ServedJobs, account_id: str | None = None) -> None:
        self.store = store
        self.served = served
        self.account_id = account_id

    def handlers(self) -> dict[str, Handler]:
        """Operation name → handler."""
        return {
            "CreateJob": self.create_job,
            "DescribeJob": self.describe_job,
            "ListJobs": self.list_jobs,
            "UpdateJobStatus": self.update_job_status,
            "UpdateJobPriority": self.update_job_priority,
            "GetJobTagging": lambda params: {"Tags": get_tags(self.store, self._job(params))},
            "PutJobTagging": self.put_job_tagging,
            "DeleteJobTagging": self.delete_job_tagging,
        }

    def _record(self, params: dict[str, Any]) -> JobRecord:
        try:
            return self.store.get(params["JobId"])
        except JobNotFound:
            raise ApiError("NotFoundException", f"The job {params['JobId']} was not found.") from None

    def _job(self, params: dict[str, Any]) -> str:
        return self._record(params).id

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

    def _expire(self) -> None:
        """Fail jobs left Suspended too long before anyone reads them, as `job list` does."""
        expire_suspended(self.store, timeout_days=self.served.settings.suspended_timeout_days)

    def list_jobs(self, params: dict[str, Any]) -> dict[str, Any]:
        """ListJobs: newest first, filtered and paged (see `listing.py`)."""
        self._expire()
        return list_jobs(self.store, params, self.account_id)

    def describe_job(self, params: dict[str, Any]) -> dict[str, Any]:
        """DescribeJob: the job as `job show --json` shows it (the codec drops our `Local` extras)."""
        self._expire()
        return describe_job(self._record(params), self.store, account_id=self.account_id)

    def update_job_status(self, params: dict[str, Any]) -> dict[str, Any]:
        """UpdateJobStatus: Ready confirms a Suspended job, Cancelled cancels a job."""
        job_id = self._job(params)
        requested = params.get("RequestedJobStatus")
        if requested is None:
            raise ApiError("BadRequestException", "RequestedJobStatus is required")
        action = {"Ready": "confirm", "Cancelled": "cancel"}[requested]
        try:
            result = request_control(self.store, job_id, action, params.get("StatusUpdateReason"))
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
