"""Shared fixtures: real local S3 servers on loopback, and an isolated data dir."""

from __future__ import annotations

import itertools
import os
import signal
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


_early_build = []
WHEEL_TESTS = "tests/installed/"


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """The wheel tests go mid-run, so the wheel that xdist's controller builds early is ready by then.

    Run first, they would wait for it while half the run is still left to share out.
    """
    wheel = [item for item in items if item.nodeid.startswith(WHEEL_TESTS)]
    if wheel and len(wheel) < len(items):
        rest = [item for item in items if not item.nodeid.startswith(WHEEL_TESTS)]
        items[:] = rest[: len(rest) // 2] + wheel + rest[len(rest) // 2 :]


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node, ids):
    """xdist's controller: once a worker has collected the wheel tests, start building the wheel.

    Building and installing it is a minute or more of mostly waiting on the package
    index; started before the tests are handed out, it runs beside them.
    """
    if _early_build or not any(i.startswith(WHEEL_TESTS) for i in ids):
        return
    from tests.installed.package import start_early

    _early_build.append(start_early(node.config._tmp_path_factory.getbasetemp()))


def pytest_unconfigure(config):
    """Stop an early build nobody waited for (a run cut short)."""
    for process in _early_build:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait()
