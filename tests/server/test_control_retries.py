"""S3 Control requests through the engine's retry policy: faults from a real proxy, throttling from `serve`.

`S3ControlBackend` talks to `serve` over real HTTP, through the fault proxy
(`tests/integration/fault_proxy.py`) where faults are wanted: 503, 500, resets before and
after the server handled the request, an outage. botocore's own retries are off, so every
retry seen here is ours.
"""

from __future__ import annotations

import json
import time
import uuid

import pytest

from s3batch_tui.core.backends import BackendUnreachable, S3ControlBackend
from s3batch_tui.core.backends.s3control import CONTROL_ATTEMPTS, CONTROL_RETRY_SECONDS, control_client
from s3batch_tui.core.spec import parse_job_spec
from s3batch_tui.serve_process import ACCOUNT, SERVE_KEY, SERVE_SECRET
from s3batch_tui.servers import free_ports
from tests.server.conftest import THROTTLED_RATE, s3_manifest_job

pytestmark = pytest.mark.xdist_group("serve")


@pytest.fixture
def backend_at(server_env, monkeypatch):
    """`backend_at(endpoint)`: an S3ControlBackend as the CLI makes it, with no AWS_MAX_ATTEMPTS set."""
    monkeypatch.delenv("AWS_MAX_ATTEMPTS", raising=False)
    return lambda endpoint: S3ControlBackend(control_client(None, "us-east-1", endpoint), ACCOUNT)


@pytest.fixture
def spec(s3, bucket):
    """A job waiting for confirmation, with a fresh description."""
    return parse_job_spec(json.dumps(s3_manifest_job(s3, bucket, Report={"Enabled": False})))


def test_503_500_and_resets_are_retried(backend_at, proxy):
    backend = backend_at(proxy.url)
    proxy.fail_next("slowdown", "internal", "reset_before")
    jobs = backend.list_jobs()
    assert isinstance(jobs, list)
    assert {fault: proxy.counts[fault] for fault in ("slowdown", "internal", "reset_before")} == {
        "slowdown": 1, "internal": 1, "reset_before": 1}  # fmt: skip


def test_create_job_whose_answer_was_lost_is_retried_into_the_same_job(backend_at, proxy, spec):
    backend = backend_at(proxy.url)
    proxy.fail_next("reset_after", matching="POST /v20180820/jobs ")  # the server made the job; the answer is lost
    job_id = backend.create(spec.model_copy(update={"client_request_token": str(uuid.uuid4())}))
    assert proxy.counts["reset_after"] == 1
    creates = [line for line in proxy.requests if line.startswith("POST /v20180820/jobs ")]
    assert len(creates) == 2  # sent twice, with the same ClientRequestToken
    mine = [job["JobId"] for job in backend.list_jobs() if job.get("Description") == spec.description]
    assert mine == [job_id]


def test_a_short_outage_is_ridden_out(backend_at, proxy):
    backend = backend_at(proxy.url)
    proxy.outage(0.5)
    assert isinstance(backend.list_jobs(), list)
    assert proxy.counts["outage"] == 1


def test_a_dead_endpoint_fails_within_seconds_naming_it(backend_at):
    endpoint = f"http://127.0.0.1:{free_ports(1)[0]}"  # nothing listens there
    started = time.monotonic()
    with pytest.raises(BackendUnreachable) as caught:
        backend_at(endpoint).list_jobs()
    assert time.monotonic() - started < CONTROL_RETRY_SECONDS
    message = str(caught.value)
    assert message.startswith(endpoint) and "ListJobs failed after retries" in message
    assert f"{CONTROL_ATTEMPTS} attempts in" in message


def test_aws_max_attempts_sets_the_attempts(backend_at, monkeypatch):
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    with pytest.raises(BackendUnreachable, match="2 attempts in"):
        backend_at(f"http://127.0.0.1:{free_ports(1)[0]}").list_jobs()


def test_serves_throttling_is_backed_off_until_answered(throttled, monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": SERVE_KEY, "AWS_SECRET_ACCESS_KEY": SERVE_SECRET,
                        "HTTP_PROXY": throttled.proxy, "NO_PROXY": "", "no_proxy": ""}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_MAX_ATTEMPTS", raising=False)
    backend = S3ControlBackend(control_client(None, "us-east-1", throttled.endpoint_url), ACCOUNT)
    calls = THROTTLED_RATE + 2  # more than the bucket holds: some are throttled, then retried
    started = time.monotonic()
    for _ in range(calls):
        assert isinstance(backend.list_jobs(), list)
    assert time.monotonic() - started >= (calls - THROTTLED_RATE) / THROTTLED_RATE * 0.9  # it waited for the budget
