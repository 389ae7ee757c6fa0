"""Which request path runs: lean where covered and possible, boto3 otherwise (and why)."""

from __future__ import annotations

import pytest

from s3batch_tui.core.lean import choice
from s3batch_tui.core.operations.base import OperationContext
from s3batch_tui.core.operations.registry import build_operation
from s3batch_tui.core.s3 import AwsSettings, ClientFactory
from s3batch_tui.core.spec import JobOperation, LocalOptions

TAGGING = JobOperation.model_validate({"S3DeleteObjectTagging": {}})


def _runner(options: LocalOptions) -> str:
    """The class name of what runs the tagging (inside the version guard)."""
    context = OperationContext(ClientFactory(AwsSettings(endpoint_url="http://127.0.0.1:9")).client("s3"), "job",
                               options=options)  # fmt: skip
    built = build_operation(TAGGING, context)
    return type(built.operation).__name__


def test_without_awscrt_boto3_runs_and_says_why(monkeypatch):
    # awscrt is installed here; this stands in for an install without it.
    monkeypatch.setattr(choice, "_awscrt_installed", lambda: False)
    assert choice.request_path("S3DeleteObjectTagging", LocalOptions()) == "boto3 (awscrt is not installed)"
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "a")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "b")
    assert _runner(LocalOptions()) == "DeleteObjectTaggingOperation"


def test_lean_by_default_and_boto3_when_asked(monkeypatch):
    pytest.importorskip("awscrt")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "a")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "b")
    assert _runner(LocalOptions()) == "LeanDeleteObjectTaggingOperation"
    assert _runner(LocalOptions(request_path="boto3")) == "DeleteObjectTaggingOperation"


def test_no_credentials_leaves_it_to_boto3(monkeypatch):
    pytest.importorskip("awscrt")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    assert _runner(LocalOptions()) == "DeleteObjectTaggingOperation"


def test_request_path_option_refuses_other_values():
    with pytest.raises(ValueError, match="RequestPath"):
        LocalOptions.model_validate({"RequestPath": "fast"})


def _copy_runner(monkeypatch, params: dict) -> str:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "a")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "b")
    context = OperationContext(ClientFactory(AwsSettings(endpoint_url="http://127.0.0.1:9")).client("s3"), "job",
                               options=LocalOptions())  # fmt: skip
    built = build_operation(JobOperation.model_validate({"S3PutObjectCopy": params}), context)
    return type(built.operation).__name__


def test_copy_is_lean_unless_boto3_refuses_its_parameters(monkeypatch):
    pytest.importorskip("awscrt")
    assert _copy_runner(monkeypatch, {"TargetKeyPrefix": "p"}) == "LeanPutObjectCopyOperation"
    # botocore refuses non-ASCII metadata per call: boto3 runs, so each task fails with its error.
    replace = {"MetadataDirective": "REPLACE", "NewObjectMetadata": {"UserMetadata": {"m": "ü"}}}
    assert _copy_runner(monkeypatch, replace) == "PutObjectCopyOperation"
