"""The server stopped mid-job: killed (SIGKILL) or asked to stop (SIGTERM); the job resumes.

One worker (16 lean requests in flight), and a proxy adding 150 ms to every S3 request,
keep the 400-task job slow enough (about 4 s) to be stopped in the middle (the request
path alone would finish it first).
"""

from __future__ import annotations

import signal
import time
from collections import Counter

import pytest

from s3batch_tui.core.report import open_report
from s3batch_tui.core.store import Store
from s3batch_tui.serve_process import start_serve, write_credentials
from tests.integration.fault_proxy import FaultProxy
from tests.server.test_api import wait_status

pytestmark = [pytest.mark.xdist_group("serve"), pytest.mark.slow]

TOTAL = 400


def wait_succeeded(store: Store, job_id: str, at_least: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while store.get(job_id).succeeded < at_least:
        assert time.monotonic() < deadline, f"fewer than {at_least} tasks succeeded in {timeout} s"
        time.sleep(0.02)


class SlowedS3:
    """SeaweedFS as the server sees it: through a proxy that adds latency to each request."""

    def __init__(self, seaweed, proxy: FaultProxy) -> None:
        self.seaweed = seaweed
        self.proxy = proxy

    def env(self) -> dict[str, str]:
        return self.seaweed.env() | {"AWS_ENDPOINT_URL": self.proxy.url}


@pytest.fixture
def one_worker_server(tmp_path, seaweed):
    """Start (and restart) a one-worker server on one data dir; every process is stopped at the end."""
    started = []
    credentials = write_credentials(tmp_path / "credentials")
    proxy = FaultProxy(seaweed.endpoint_url, max_lifetime=600)
    proxy.latency(0.15)

    def start():
        started.append(start_serve(tmp_path / "data", SlowedS3(seaweed, proxy), credentials, workers=1))
        return started[-1]

    yield start
    for server in started:
        server.stop()
    proxy.stop()


def test_sigkill_twice_then_the_job_resumes_and_reports_each_entry_once(one_worker_server, job_request):
    server = one_worker_server()
    job_id = server.client().create_job(**job_request(TOTAL))["JobId"]
    store = Store(server.data_dir / "jobs.sqlite3")
    for at_least in (60, 160):
        wait_succeeded(store, job_id, at_least)
        time.sleep(0.3)  # land between two checkpoints: some done tasks are not in the last one
        assert server.stop(signal.SIGKILL) == -signal.SIGKILL
        assert store.get(job_id).succeeded < TOTAL, "the kill should land mid-run"
        server = one_worker_server()
    job = wait_status(server.client(), job_id, ("Complete", "Failed", "Cancelled"), timeout=120)
    assert job["Status"] == "Complete"
    assert job["ProgressSummary"]["NumberOfTasksSucceeded"] == TOTAL
    rows = list(open_report(store.get(job_id).report_location).rows())
    counts = Counter(row.key for row in rows)
    assert len(counts) == TOTAL and set(counts.values()) == {1}, "each entry exactly once in the report"
    assert {row.task_status for row in rows} == {"succeeded"}


def test_sigterm_pauses_the_job_and_the_next_start_resumes_it(one_worker_server, job_request):
    server = one_worker_server()
    job_id = server.client().create_job(**job_request(TOTAL))["JobId"]
    store = Store(server.data_dir / "jobs.sqlite3")
    wait_succeeded(store, job_id, 40)
    assert server.stop(signal.SIGTERM) == 0
    paused = store.get(job_id)
    assert paused.status.value == "Paused" and "server stopped" in paused.status_reason
    assert paused.succeeded < TOTAL
    server = one_worker_server()
    assert f"resumed 1 job(s): {job_id}" in server.log.read_text()
    job = wait_status(server.client(), job_id, ("Complete", "Failed", "Cancelled"), timeout=120)
    assert (job["Status"], job["ProgressSummary"]["NumberOfTasksSucceeded"]) == ("Complete", TOTAL)


def test_a_job_paused_by_a_user_stays_paused_after_a_restart(one_worker_server, job_request):
    from s3batch_tui.core.engine.control import request_control

    server = one_worker_server()
    job_id = server.client().create_job(**job_request(TOTAL))["JobId"]
    store = Store(server.data_dir / "jobs.sqlite3")
    wait_succeeded(store, job_id, 20)
    request_control(store, job_id, "pause")  # what `job pause` and the TUI do
    wait_status(server.client(), job_id, ("Paused",))
    server.stop(signal.SIGTERM)
    server = one_worker_server()
    assert "resumed" not in server.log.read_text()
    assert store.get(job_id).status.value == "Paused"
