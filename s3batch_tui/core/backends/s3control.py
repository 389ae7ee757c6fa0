"""The S3 Control backend: AWS S3 Batch Operations, or `s3batch-tui serve`, through boto3.

Requests are boto3's own, so botocore validates every parameter against the
`s3control` model before sending. For a `control_endpoint` (serve, a test server) the
request goes to the host as given, without the `{AccountId}.` botocore puts in front of
it (`localhost` or an IP address has no such subdomains).

Every request goes through the engine's retry policy (`core.engine.retrying`), not
botocore's: transient faults and throttling are retried with its classification and
back-off, within a few seconds, so an interactive command still ends soon when the
endpoint is down (`BackendUnreachable`). CreateJob is retried too: its
ClientRequestToken, fixed before the first attempt, makes a repeat the same job.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError, ProfileNotFound

from s3batch_tui.core.backends.aws_retry import AwsRetryPlan, plan_retry, submit_retry
from s3batch_tui.core.backends.base import Backend, Capabilities
from s3batch_tui.core.backends.mirroring import ControlMirror
from s3batch_tui.core.backends.view import report_manifest_uri
from s3batch_tui.core.engine.retry import RetryPolicy
from s3batch_tui.core.engine.retrying import Retrying, RetryingClient, TransientError
from s3batch_tui.core.errors import BackendThrottled, BackendUnreachable, InputError, JobNotFound, JobStateError
from s3batch_tui.core.job_tags import check_tags
from s3batch_tui.core.spec import JobSpec, local_extensions
from s3batch_tui.core.status import JobStatus

AWS_CAPABILITIES = Capabilities({
    "run": "S3 Batch Operations runs a job by itself once it is Ready (confirm a Suspended one)",
    "pause": "AWS S3 Batch Operations has no pause (cancel, then submit the rest again)",
    "resume": "AWS S3 Batch Operations has no pause, so nothing to resume",
    "handover": "this job is on S3 Batch Operations already; hand-over sends a local job there",
})  # fmt: skip
PAGE_SIZE = 1000  # ListJobs MaxResults
_STATE_ERRORS = {"JobStatusException", "IdempotencyException"}
_INPUT_ERRORS = {"BadRequestException", "InvalidRequestException", "TooManyTagsException"}
CONTROL_ATTEMPTS = 5
"""Attempts per S3 Control request unless AWS_MAX_ATTEMPTS or the profile's max_attempts says otherwise."""
CONTROL_RETRY_SECONDS = 8.0
"""No new attempt after this long: a command on a dead endpoint ends in seconds, not minutes."""


def control_attempts(profile: str | None = None) -> int:
    """Attempts per S3 Control request: AWS_MAX_ATTEMPTS, else the profile's max_attempts, else 5."""
    try:
        configured = boto3.session.Session(profile_name=profile)._session.get_config_variable("max_attempts")
    except ProfileNotFound as exc:
        raise InputError(str(exc), "--profile") from None
    return max(1, int(configured)) if configured else CONTROL_ATTEMPTS


def control_retry_policy(attempts: int = CONTROL_ATTEMPTS) -> RetryPolicy:
    """The engine's policy, with waits short enough for a person waiting on a command (at most 2 s each).

    Each wait is at least half its ceiling, so the default 5 attempts always span 1.9 s
    or more: under full jitter they could all come in well under a second and a
    one-second blip (a restart, a failover) would fail the command.
    """
    return RetryPolicy(max_attempts=attempts, base_delay=0.25, max_delay=2.0, floor=0.5)


def control_s3(client: Any) -> Any:
    """The S3 client of an S3 Control backend (reports, manifest uploads), retried as S3 Control requests are.

    botocore's own retries are off in our clients (the engine retries tasks), so these
    requests go through the same `Retrying` with the S3 Control policy.
    """
    if client is None or isinstance(client, RetryingClient):
        return client
    return Retrying(control_retry_policy()).client(client)
THROTTLING_ERRORS = {"TooManyRequestsException", "ThrottlingException", "Throttling", "SlowDown", "RequestLimitExceeded"}


def control_client(profile: str | None, region: str | None, endpoint: str | None) -> Any:
    """A boto3 `s3control` client: credentials from the usual chain, `endpoint` as given.

    botocore makes one attempt: `S3ControlBackend` retries by its `retry_policy` (the TUI
    gives it one attempt, because its refresh scheduler backs off within its request budget).
    """
    try:
        session = boto3.session.Session(profile_name=profile, region_name=region)
    except ProfileNotFound as exc:
        raise InputError(str(exc), "--profile") from None
    config = Config(
        inject_host_prefix=endpoint is None,
        retries={"mode": "standard", "total_max_attempts": 1},  # S3ControlBackend retries, by the engine's policy
        connect_timeout=5,
        read_timeout=60,
    )
    client = session.client("s3control", endpoint_url=endpoint, region_name=session.region_name or "us-east-1",
                            config=config)  # fmt: skip
    if endpoint is not None:
        client.meta.events.register("before-sign.s3-control", _host_as_given(urlsplit(endpoint).netloc))
    return client


def _host_as_given(netloc: str) -> Callable[..., None]:
    """A before-sign hook: send to `netloc` itself, not `{AccountId}.{netloc}`.

    botocore's endpoint rules for S3 Control put the account in front of a custom
    endpoint's host too (`inject_host_prefix` only covers the model's own prefix), so
    the URL is set back here, before signing, and the signed Host is the one sent.
    """

    def hook(request: Any, **_: Any) -> None:
        parts = urlsplit(request.url)
        if parts.netloc != netloc and parts.netloc.endswith("." + netloc):
            request.url = urlunsplit(parts._replace(netloc=netloc))

    return hook


def control_label(account_id: str | None, region: str | None, endpoint: str | None) -> str:
    """`AWS 123456789012 us-east-1`, with the endpoint when it is not AWS's own."""
    where = region or "us-east-1"
    if endpoint and "amazonaws.com" not in endpoint:
        where = f"{where} at {endpoint}"
    return f"AWS {account_id or '(account from STS)'} {where}"


def caller_account(sts_client: Any) -> str:
    """The account of the credentials in use (STS GetCallerIdentity)."""
    try:
        return sts_client.get_caller_identity()["Account"]
    except (ClientError, BotoCoreError) as exc:
        raise InputError(f"cannot find the account of these credentials ({exc}); give --account-id",
                         "--account-id") from None  # fmt: skip


class S3ControlBackend(Backend):
    """Jobs of one account on an S3 Control endpoint."""

    capabilities = AWS_CAPABILITIES
    mirror: ControlMirror | None = None
    """Where every job this backend sees or creates is mirrored (the local history); None: nowhere."""

    def __init__(self, client: Any, account_id: str, s3_client: Any = None, token_dir: Path | None = None) -> None:
        """`s3_client` reads reports and uploads manifests; `token_dir` keeps ClientRequestTokens (retry-failed)."""
        self.client = client
        self.account_id = account_id
        self.s3_client = control_s3(s3_client)
        self.token_dir = token_dir

    @cached_property
    def label(self) -> str:
        """`AWS 123456789012 us-east-1`, or the endpoint for a non-AWS one."""
        return control_label(self.account_id, self.client.meta.region_name, self.client.meta.endpoint_url)

    @cached_property
    def retry_policy(self) -> RetryPolicy:
        """How requests are retried; attempts from AWS_MAX_ATTEMPTS or the default profile (set it for another)."""
        return control_retry_policy(control_attempts())

    def _call(self, operation: Callable[..., dict], **params: Any) -> dict[str, Any]:
        """One request, retried while transient; S3 Control's errors as ours (not found, state, input)."""
        started = time.monotonic()
        retrying = Retrying(self.retry_policy, should_stop=lambda: time.monotonic() - started > CONTROL_RETRY_SECONDS)
        name = self.client.meta.method_to_api_mapping.get(operation.__name__, operation.__name__)
        try:
            return retrying.call(name, operation, AccountId=self.account_id, **params)
        except TransientError as exc:  # a dead endpoint, or faults and throttling on every attempt
            attempts = f"{retrying.retries + 1} attempts in {time.monotonic() - started:.1f} s"
            throttled = exc.outcome.error_code in THROTTLING_ERRORS or exc.outcome.http_status == 429
            unanswered = BackendThrottled if throttled else BackendUnreachable
            raise unanswered(f"{self.client.meta.endpoint_url}: {exc} ({attempts})") from None
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            message = exc.response.get("Error", {}).get("Message", "") or str(exc)
            if code == "NotFoundException":
                raise JobNotFound(f"no job {params.get('JobId')} in account {self.account_id}: {message}") from None
            if code in _STATE_ERRORS:
                raise JobStateError(f"{code}: {message}") from None
            if code in _INPUT_ERRORS:
                raise InputError(message, code) from None
            if code in THROTTLING_ERRORS or exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 429:
                raise BackendThrottled(f"{self.client.meta.endpoint_url}: {code or 'HTTP 429'}: {message}") from None
            raise
        except BotoCoreError as exc:
            if isinstance(exc, ParamValidationError):
                problems = str(exc).removeprefix("Parameter validation failed:\n").replace("\n", "; ")
                raise InputError(f"refused by the s3control model: {problems}", "request parameters") from None
            raise InputError(str(exc), "S3 Control credentials and settings") from None  # e.g. no credentials

    def list_jobs(self) -> list[dict[str, Any]]:
        """ListJobs over every status, page by page (NextToken)."""
        jobs: list[dict[str, Any]] = []
        params: dict[str, Any] = {"JobStatuses": [status.value for status in JobStatus], "MaxResults": PAGE_SIZE}
        while True:
            page = self._call(self.client.list_jobs, **params)
            jobs += page.get("Jobs", [])
            if not page.get("NextToken"):
                if self.mirror is not None:
                    self.mirror.listed(jobs)
                return jobs
            params["NextToken"] = page["NextToken"]

    def describe(self, job_id: str) -> dict[str, Any]:
        """DescribeJob."""
        job = self._call(self.client.describe_job, JobId=job_id)["Job"]
        if self.mirror is not None:
            self.mirror.described(job)
        return job

    def create(self, spec: JobSpec, run: bool = True) -> str:
        """CreateJob from an AWS-ready spec (see `core.backends.submit`); S3 runs it by itself.

        A spec without a ClientRequestToken gets one here, but only a caller that keeps the
        token (as `job submit` does) can retry without making a second job.
        """
        found = local_extensions(spec)
        if found:
            raise InputError(f"only runs locally, S3 Batch Operations would refuse it: {', '.join(found)}", "job file")
        if not spec.role_arn:
            raise InputError("required: the IAM role S3 Batch Operations assumes to run the job", "RoleArn")
        params = spec.to_json_dict() | {"ClientRequestToken": spec.client_request_token or str(uuid.uuid4())}
        params.pop("AccountId", None)
        params.setdefault("ConfirmationRequired", False)
        return self.create_request(params)

    def create_request(self, params: dict[str, Any]) -> str:
        """CreateJob with parameters in boto3's shapes (ClientRequestToken included); returns the job id."""
        job_id = self._call(self.client.create_job, **params)["JobId"]
        if self.mirror is not None:
            self.mirror.created(job_id, params)
        return job_id

    def retry_failed_plan(self, job_id: str, manifest_to: str | None = None) -> AwsRetryPlan:
        """What `retry_failed` would do (reads the job's report; uploads and creates nothing)."""
        return plan_retry(self, self._s3(), job_id, manifest_to)

    def retry_failed(self, job_id: str, run: bool = True, manifest_to: str | None = None,
                     plan: AwsRetryPlan | None = None) -> str:  # fmt: skip
        """A new job over the failed rows of the job's report (S3 runs it by itself); returns its id.

        Give the `plan` that was shown, so that what runs is what the user saw.
        """
        if self.token_dir is None:
            raise InputError("no place to keep the ClientRequestToken (S3ControlBackend token_dir)", "retry-failed")
        plan = plan or self.retry_failed_plan(job_id, manifest_to)
        return submit_retry(self, self._s3(), plan, self.token_dir)

    def _s3(self) -> Any:
        if self.s3_client is None:
            raise InputError("an S3 client is needed to read reports (S3ControlBackend s3_client)", "retry-failed")
        return self.s3_client

    def cancel(self, job_id: str) -> None:
        """UpdateJobStatus to Cancelled."""
        self._call(self.client.update_job_status, JobId=job_id, RequestedJobStatus="Cancelled")

    def confirm(self, job_id: str) -> None:
        """UpdateJobStatus to Ready (confirms a Suspended job)."""
        self._call(self.client.update_job_status, JobId=job_id, RequestedJobStatus="Ready")

    def set_priority(self, job_id: str, priority: int) -> int:
        """UpdateJobPriority."""
        return self._call(self.client.update_job_priority, JobId=job_id, Priority=priority)["Priority"]

    def get_tags(self, job_id: str) -> list[dict[str, str]]:
        """GetJobTagging."""
        return self._call(self.client.get_job_tagging, JobId=job_id).get("Tags", [])

    def put_tags(self, job_id: str, tags: list[dict[str, str]]) -> list[dict[str, str]]:
        """PutJobTagging (DeleteJobTagging for an empty set, which PutJobTagging also accepts)."""
        checked = check_tags(tags)
        if checked:
            self._call(self.client.put_job_tagging, JobId=job_id, Tags=checked)
        else:
            self._call(self.client.delete_job_tagging, JobId=job_id)
        return checked

    def report_location(self, job_id: str) -> str | None:
        """Where S3 writes the report's manifest: `{Prefix}/job-{id}/manifest.json` in the report bucket."""
        return report_manifest_uri(job_id, self.describe(job_id).get("Report"))
