"""Capturing boto3's request once per job: the job-wide headers, nothing sent, nothing left behind."""

from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import EndpointConnectionError

from s3batch_tui.core.lean import template as template_module
from s3batch_tui.core.lean.template import PER_REQUEST, capture
from s3batch_tui.core.s3 import AwsSettings, ClientFactory


@pytest.fixture
def client(monkeypatch):
    """An S3 client on a closed loopback port: anything actually sent fails to connect."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "a")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "b")
    return ClientFactory(AwsSettings(endpoint_url="http://127.0.0.1:9")).client("s3")


def test_capture_keeps_job_wide_headers_and_drops_per_request_ones(client):
    params = {"Bucket": "dst", "CopySource": {"Bucket": "src", "Key": "k"}, "MetadataDirective": "REPLACE",
              "Metadata": {"a": "b"}, "RequestPayer": "requester"}  # fmt: skip
    template = capture(client, "copy_object", params, drop=frozenset({"x-amz-copy-source"}))
    assert template.method == "PUT" and template.query == ""
    assert dict(template.headers) == {"x-amz-metadata-directive": "REPLACE", "x-amz-meta-a": "b",
                                      "x-amz-request-payer": "requester"}  # fmt: skip
    assert not {name.lower() for name, _ in template.headers} & PER_REQUEST


def test_capture_leaves_the_client_as_it_was(client, monkeypatch):
    monkeypatch.setattr(template_module.uuid, "uuid4", lambda: uuid.UUID(int=7))
    capture(client, "head_object", {"Bucket": "b"})
    placeholder = f"s3batch-lean-template-{uuid.UUID(int=7).hex}"
    with pytest.raises(EndpointConnectionError):  # really sent, even to the placeholder: the hook is gone
        client.head_object(Bucket="b", Key=placeholder)


def test_parameters_boto3_refuses_are_a_value_error(client):
    params = {"Bucket": "dst", "CopySource": {"Bucket": "src", "Key": "k"}, "Metadata": {"m": "ü"}}
    with pytest.raises(ValueError, match="boto3 refuses the CopyObject parameters"):
        capture(client, "copy_object", params)
