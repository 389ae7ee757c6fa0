"""The fault proxy itself: signatures still verify through it, and each fault looks real."""

from __future__ import annotations

import time

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError

from s3batch_tui.core.engine.retry import outcome_from_exception


def _client(seaweed, proxy):
    import boto3

    return boto3.client(
        "s3", endpoint_url=proxy.url, aws_access_key_id=seaweed.access_key,
        aws_secret_access_key=seaweed.secret_key, region_name=seaweed.region,
        config=Config(retries={"total_max_attempts": 1}, s3={"addressing_style": "path"}, connect_timeout=2),
    )  # fmt: skip


def test_requests_pass_signed_and_faults_surface_as_boto3_errors(seaweed, fault_proxy, s3, bucket):
    client = _client(seaweed, fault_proxy)
    client.put_object(Bucket=bucket, Key="a", Body=b"x" * 100_000)
    assert client.get_object(Bucket=bucket, Key="a")["Body"].read() == b"x" * 100_000

    fault_proxy.fail_next("slowdown")
    with pytest.raises(ClientError) as slow:
        client.head_object(Bucket=bucket, Key="a")
    assert outcome_from_exception(slow.value).retryable
    fault_proxy.fail_next("internal")
    with pytest.raises(ClientError) as internal:
        client.get_object(Bucket=bucket, Key="a")
    assert internal.value.response["Error"]["Code"] == "InternalError"
    fault_proxy.fail_next("reset_before")
    with pytest.raises(Exception) as reset:  # noqa: PT011 - botocore picks the class
        client.put_object_tagging(Bucket=bucket, Key="a", Tagging={"TagSet": [{"Key": "k", "Value": "before"}]})
    assert outcome_from_exception(reset.value).retryable
    assert s3.get_object_tagging(Bucket=bucket, Key="a")["TagSet"] == []

    fault_proxy.fail_next("reset_after")
    with pytest.raises(ConnectionClosedError):
        client.put_object_tagging(Bucket=bucket, Key="a", Tagging={"TagSet": [{"Key": "k", "Value": "after"}]})
    assert s3.get_object_tagging(Bucket=bucket, Key="a")["TagSet"] == [{"Key": "k", "Value": "after"}]


def test_an_outage_refuses_connections_then_ends(seaweed, fault_proxy, bucket):
    client = _client(seaweed, fault_proxy)
    client.put_object(Bucket=bucket, Key="a", Body=b"x")
    fault_proxy.outage(1.0)
    started = time.monotonic()
    # The pooled connection was dropped: a reset on reuse, or (when urllib3 sees the close
    # before reusing it, which depends on timing) a refused new connection.
    with pytest.raises((ConnectionClosedError, EndpointConnectionError)):
        client.head_object(Bucket=bucket, Key="a")
    with pytest.raises(EndpointConnectionError):  # and a new one is refused
        client.head_object(Bucket=bucket, Key="a")
    assert time.monotonic() - started < 1.0
    time.sleep(1.3)
    assert client.head_object(Bucket=bucket, Key="a")["ContentLength"] == 1


def test_latency_and_a_seeded_mix(seaweed, fault_proxy, bucket):
    client = _client(seaweed, fault_proxy)
    client.put_object(Bucket=bucket, Key="a", Body=b"x")
    fault_proxy.latency(0.3)
    started = time.monotonic()
    client.head_object(Bucket=bucket, Key="a")
    assert time.monotonic() - started >= 0.3
    fault_proxy.clear()
    fault_proxy.mix(0.5, ("slowdown", "internal"))
    errors = 0
    for _ in range(40):
        try:
            client.head_object(Bucket=bucket, Key="a")
        except ClientError:
            errors += 1
    assert errors == fault_proxy.counts["slowdown"] + fault_proxy.counts["internal"]
    assert 8 <= errors <= 32
