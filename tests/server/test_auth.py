"""Who may call `serve`: SigV4 from a configured key, the server's account, TLS.

Every refused request must change nothing: the tests look at the jobs afterwards.
The skewed request moves only the client's clock (botocore's `get_current_datetime`);
everything else is real HTTP to the real server.
"""

from __future__ import annotations

import datetime as dt
import http.client
import importlib
import ssl
import subprocess
import sys

import botocore.auth
import botocore.compat
import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from s3batch_tui.serve_process import ACCOUNT, SERVE_KEY, SERVE_SECRET, start_serve, write_credentials
from tests.server.test_api import wait_status

pytestmark = pytest.mark.xdist_group("serve")


def raw(port: int, method: str, path: str, headers: dict, body: bytes = b"", tls_context=None):
    """Send one request as given; returns (status, body text)."""
    if tls_context is None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    else:
        connection = http.client.HTTPSConnection("127.0.0.1", port, timeout=30, context=tls_context)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def signed_headers(url: str, method: str, body: bytes = b"", secret: str = SERVE_SECRET) -> dict:
    """Headers of a request signed as boto3 signs S3 Control requests."""
    request = AWSRequest(method=method, url=url, data=body, headers={"x-amz-account-id": ACCOUNT})
    S3SigV4Auth(Credentials(SERVE_KEY, secret), "s3", "us-east-1").add_auth(request)
    return dict(request.headers.items()) | {"Host": url.split("/")[2]}  # the host that was signed


@pytest.fixture
def suspended_job(control, job_request):
    """A job waiting for confirmation, with a tag and priority 10."""
    job_id = control.create_job(**job_request(1, ConfirmationRequired=True, Tags=[{"Key": "k", "Value": "v"}]))["JobId"]
    wait_status(control, job_id, ("Suspended",))
    yield job_id
    control.update_job_status(AccountId=ACCOUNT, JobId=job_id, RequestedJobStatus="Cancelled")


def snapshot(control, job_id: str) -> tuple:
    job = control.describe_job(AccountId=ACCOUNT, JobId=job_id)["Job"]
    tags = control.get_job_tagging(AccountId=ACCOUNT, JobId=job_id)["Tags"]
    count = len(control.list_jobs(AccountId=ACCOUNT, MaxResults=1000)["Jobs"])
    return job["Status"], job["Priority"], tags, count


def attempt_every_change(client, job_id: str, request: dict) -> set[tuple[int, str]]:
    """Try to create (with `request`), re-prioritise, retag and confirm; returns the (status, code) pairs seen."""
    calls = [
        lambda: client.create_job(**request),
        lambda: client.update_job_priority(AccountId=ACCOUNT, JobId=job_id, Priority=99),
        lambda: client.put_job_tagging(AccountId=ACCOUNT, JobId=job_id, Tags=[]),
        lambda: client.delete_job_tagging(AccountId=ACCOUNT, JobId=job_id),
        lambda: client.update_job_status(AccountId=ACCOUNT, JobId=job_id, RequestedJobStatus="Ready"),
    ]
    seen = set()
    for call in calls:
        with pytest.raises(ClientError) as caught:
            call()
        response = caught.value.response
        seen.add((response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"]))
    return seen


def test_wrong_secret_changes_nothing(served, control, suspended_job, job_request):
    before = snapshot(control, suspended_job)
    assert attempt_every_change(served.client(secret="wrong-secret"), suspended_job, job_request(1)) == {
        (403, "SignatureDoesNotMatch")}  # fmt: skip
    assert snapshot(control, suspended_job) == before


def test_unknown_key_and_wrong_account_change_nothing(served, control, suspended_job, job_request):
    before = snapshot(control, suspended_job)
    assert attempt_every_change(served.client(key="nobody"), suspended_job, job_request(1)) == {(403, "InvalidAccessKeyId")}
    with pytest.raises(ClientError) as caught:
        control.update_job_priority(AccountId="111111111111", JobId=suspended_job, Priority=99)
    assert caught.value.response["Error"]["Code"] == "AccessDenied"
    assert snapshot(control, suspended_job) == before


def skew_client_clock(monkeypatch, minutes: int) -> None:
    """Make botocore sign as if its clock were `minutes` behind: in its Python signer and, when
    awscrt is installed (botocore then signs with the CRT), in the CRT one."""
    real_now = botocore.compat.get_current_datetime
    behind = lambda **kwargs: real_now(**kwargs) - dt.timedelta(minutes=minutes)  # noqa: E731
    monkeypatch.setattr(botocore.auth, "get_current_datetime", behind)
    if botocore.compat.HAS_CRT:
        monkeypatch.setattr(importlib.import_module("botocore.crt.auth"), "get_current_datetime", behind)


def test_skewed_clock_is_refused(served, control, suspended_job, job_request, monkeypatch):
    before = snapshot(control, suspended_job)
    request = job_request(1)
    skew_client_clock(monkeypatch, minutes=16)
    assert attempt_every_change(served.client(), suspended_job, request) == {(403, "RequestTimeTooSkewed")}
    skew_client_clock(monkeypatch, minutes=14)
    served.client().update_job_priority(AccountId=ACCOUNT, JobId=suspended_job, Priority=11)  # within 15 min: fine
    monkeypatch.undo()
    assert snapshot(control, suspended_job)[1] == 11 and before[1] == 10


def test_unsigned_and_tampered_requests_are_refused(served, control, suspended_job):
    before = snapshot(control, suspended_job)
    path = f"/v20180820/jobs/{suspended_job}/priority?priority=99"
    status, text = raw(served.port, "POST", path, {"x-amz-account-id": ACCOUNT})
    assert status == 403 and "<Code>AccessDenied</Code>" in text and "<RequestId>" in text
    url = f"http://{ACCOUNT}.localhost:{served.port}/v20180820/jobs/{suspended_job}/tagging"
    body = b'<PutJobTaggingRequest xmlns="http://awss3control.amazonaws.com/doc/2018-08-20/"><Tags/></PutJobTaggingRequest>'
    headers = signed_headers(url, "PUT", body)
    status, text = raw(served.port, "PUT", url.split(str(served.port), 1)[1], headers, body.replace(b"<Tags/>", b""))
    assert status == 403 and "<Code>SignatureDoesNotMatch</Code>" in text
    status, _ = raw(served.port, "PUT", url.split(str(served.port), 1)[1], headers, body)  # the untouched request
    assert status == 200
    assert snapshot(control, suspended_job)[2] == [] and before[2] == [{"Key": "k", "Value": "v"}]


def test_serve_refuses_to_start_without_keys(tmp_path):
    result = subprocess.run([sys.executable, "-m", "s3batch_tui", "--data-dir", str(tmp_path), "serve", "--port", "0"],
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert result.returncode == 2
    assert "--credentials-file" in result.stderr and "--insecure-no-auth" in result.stderr
    assert not (tmp_path / "jobs.sqlite3").exists()


def test_tls(tmp_path, seaweed):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)  # fmt: skip
    server = start_serve(tmp_path / "data", seaweed, write_credentials(tmp_path / "creds"),
                         extra=["--certfile", str(cert), "--keyfile", str(key)])  # fmt: skip
    try:
        context = ssl.create_default_context(cafile=str(cert))
        context.check_hostname = False
        url = f"https://{ACCOUNT}.localhost:{server.port}/v20180820/jobs"
        status, text = raw(server.port, "GET", "/v20180820/jobs", signed_headers(url, "GET"), tls_context=context)
        assert status == 200 and "<ListJobsResult" in text
        status, text = raw(server.port, "GET", "/v20180820/jobs", signed_headers(url, "GET", secret="x"),
                           tls_context=context)  # fmt: skip
        assert status == 403 and "SignatureDoesNotMatch" in text
        with pytest.raises(http.client.RemoteDisconnected):  # plain HTTP to a TLS port gets no answer
            raw(server.port, "GET", "/v20180820/jobs", {})
    finally:
        server.stop()


def test_limits_and_unknown_routes(served):
    base = f"http://{ACCOUNT}.localhost:{served.port}"
    big = b"x" * (1024 * 1024 + 1)
    status, text = raw(served.port, "POST", "/v20180820/jobs", signed_headers(f"{base}/v20180820/jobs", "POST", big), big)
    assert status == 400 and "<Code>EntityTooLarge</Code>" in text
    status, text = raw(served.port, "GET", "/v20180820/nothing", signed_headers(f"{base}/v20180820/nothing", "GET"))
    assert status == 400 and "<Code>InvalidRequestException</Code>" in text
    status, text = raw(served.port, "DELETE", "/v20180820/jobs", signed_headers(f"{base}/v20180820/jobs", "DELETE"))
    assert status == 405 and "<Code>MethodNotAllowed</Code>" in text
    body = b"<CreateJobRequest><Oops"
    status, text = raw(served.port, "POST", "/v20180820/jobs", signed_headers(f"{base}/v20180820/jobs", "POST", body), body)
    assert status == 400 and "<Code>BadRequestException</Code>" in text and "not well-formed" in text
