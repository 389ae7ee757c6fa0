"""`serve --max-requests-per-second`: throttled answers as S3 Control gives them, seen by boto3 over HTTP."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from s3batch_tui.cli import main
from s3batch_tui.serve_process import ACCOUNT
from tests.server.conftest import THROTTLED_RATE as RATE

pytestmark = pytest.mark.xdist_group("serve")


def first_throttled(client) -> ClientError:
    """Send ListJobs until one is throttled (bounded); returns that error."""
    for _ in range(10 * RATE):
        try:
            client.list_jobs(AccountId=ACCOUNT)
        except ClientError as exc:
            return exc
    raise AssertionError("no request was throttled")


def test_requests_over_the_budget_get_too_many_requests_exception(throttled):
    client = throttled.client()  # botocore's retries off: every answer is seen
    error = first_throttled(client)
    response = error.response
    assert response["Error"]["Code"] == "TooManyRequestsException"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert f"answers {RATE} per second" in response["Error"]["Message"]
    assert response["ResponseMetadata"]["RequestId"]
    with pytest.raises(client.exceptions.TooManyRequestsException):  # the model's own error class
        while True:
            client.describe_job(AccountId=ACCOUNT, JobId="00000000-0000-0000-0000-000000000000")


def test_botocore_standard_retries_ride_the_throttling_out(throttled):
    patient = throttled.client(retries={"mode": "standard", "total_max_attempts": 10})
    retried = []
    for _ in range(10 * RATE):  # faster than the budget: some answers are throttled, then retried
        answer = patient.list_jobs(AccountId=ACCOUNT)["ResponseMetadata"]
        assert answer["HTTPStatusCode"] == 200
        retried.append(answer["RetryAttempts"])
        if answer["RetryAttempts"]:
            break
    assert retried[-1] >= 1, retried  # botocore classified TooManyRequestsException as retryable


def test_unsigned_requests_do_not_spend_the_accounts_budget(throttled):
    client, stranger = throttled.client(), throttled.client(secret="wrong-secret")
    first_throttled(client)
    for _ in range(3 * RATE):
        with pytest.raises(ClientError) as caught:
            stranger.list_jobs(AccountId=ACCOUNT)
        assert caught.value.response["Error"]["Code"] == "SignatureDoesNotMatch"  # checked first, not throttled


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf"])
def test_a_bad_rate_is_refused_before_listening(value, tmp_path, capsys):
    code = main(["--data-dir", str(tmp_path), "serve", "--insecure-no-auth", "--port", "0",
                 "--max-requests-per-second", value])  # fmt: skip
    assert code == 2
    assert "--max-requests-per-second" in capsys.readouterr().err
    assert not (tmp_path / "jobs.db").exists()
