"""Shared fixtures: real local S3 servers on loopback, and an isolated data dir."""

from __future__ import annotations

import itertools
import os
import uuid

import pytest

from s3batch_tui.servers import LocalS3Server, start_moto, start_seaweedfs

_bucket_counter = itertools.count()


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    """Every test gets its own data dir and no AWS settings from the machine."""
    monkeypatch.setenv("S3BATCH_TUI_HOME", str(tmp_path / "home"))
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory) -> LocalS3Server:
    """A real SeaweedFS S3 server for the whole session."""
    server = start_seaweedfs(tmp_path_factory.mktemp("seaweed"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def moto_server() -> LocalS3Server:
    """moto's server, for AWS semantics SeaweedFS lacks (restore, Lambda)."""
    server = start_moto()
    yield server
    server.stop()


@pytest.fixture
def s3(seaweed):
    """A boto3 S3 client on the SeaweedFS server."""
    return seaweed.client()


@pytest.fixture
def bucket(s3) -> str:
    """A fresh, empty bucket on SeaweedFS."""
    name = f"t{next(_bucket_counter)}-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=name)
    return name


@pytest.fixture
def server_env(seaweed, monkeypatch) -> LocalS3Server:
    """Point the AWS SDK (and so our CLI and engine) at SeaweedFS via the environment."""
    for name, value in seaweed.env().items():
        monkeypatch.setenv(name, value)
    return seaweed
