"""The history mirror against `s3batch-tui serve` over real HTTP: write-through, then offline answers.

The CLI reaches the server through the fault proxy, so stopping the proxy takes the
endpoint away (the server itself keeps serving the other tests).
"""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest

from s3batch_tui.cli import main
from s3batch_tui.core.backends.mirroring import ControlMirror
from s3batch_tui.core.store import BackendIdentity, JobMirror, Store
from s3batch_tui.serve_process import ACCOUNT
from s3batch_tui.servers import free_ports
from tests.server.conftest import s3_manifest_job

pytestmark = pytest.mark.xdist_group("serve")


@pytest.fixture
def cli(proxy, server_env, tmp_path, capsys, monkeypatch):
    """`cli(*args) -> (exit code, stdout, stderr)`: `--backend aws` on the server through the proxy, own data dir."""
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")  # offline answers come quickly

    def run(*args: str) -> tuple[int, str, str]:
        code = main(["--data-dir", str(tmp_path / "data"), "--backend", "aws", "--account-id", ACCOUNT,
                     "--control-endpoint", proxy.url, *args])  # fmt: skip
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_jobs_seen_are_mirrored_and_shown_offline_then_pruned_or_deleted(cli, proxy, s3, bucket, tmp_path, seaweed):
    ids = []
    for n in range(2):
        path = tmp_path / f"job{n}.json"
        path.write_text(json.dumps(s3_manifest_job(s3, bucket, Description=f"mirror {n}")), encoding="utf-8")
        code, out, err = cli("job", "submit", str(path))
        assert code == 0, err
        ids.append(out.strip())
    store = Store(tmp_path / "data" / "jobs.sqlite3")
    assert {job.job_id: job.status for job in JobMirror(store).list()} == dict.fromkeys(ids, "New")  # by submit

    code, out, err = cli("job", "cancel", ids[0])
    assert code == 0, err
    deadline = time.monotonic() + 30  # the job's runner acts on the cancel within a second or so
    while json.loads(cli("job", "show", ids[0], "--json")[1])["Job"]["Status"] != "Cancelled":
        assert time.monotonic() < deadline, "the cancel was never acted on"
        time.sleep(0.2)
    code, out, _ = cli("job", "list", "--json")
    live = {job["JobId"]: job for job in json.loads(out)["Jobs"]}
    assert code == 0 and "Offline" not in json.loads(out)
    mirrored = {job.job_id: job for job in JobMirror(store).list()}
    assert set(ids) <= set(mirrored)
    for job_id in ids:
        assert (mirrored[job_id].status, mirrored[job_id].description) == (live[job_id]["Status"],
                                                                           live[job_id]["Description"])
    code, shown, _ = cli("job", "show", ids[1])
    assert code == 0
    described = JobMirror(store).get(ids[1])
    assert described.report_location == f"s3://{bucket}/reports/job-{ids[1]}/manifest.json"
    assert described.manifest_location == f"arn:aws:s3:::{bucket}/manifest.csv"
    assert described.backend.endpoint == proxy.url and described.backend.account_id == ACCOUNT

    proxy.stop()  # the endpoint is gone: answers come from the mirror
    code, out, err = cli("job", "list")
    assert code == 3, err
    assert "offline (" in err and "from the local history, as last seen at" in err
    rows = {line.split()[0]: line for line in out.splitlines()[1:]}
    assert "LAST SEEN" in out.splitlines()[0]
    assert "Cancelled" in rows[ids[0]] and "mirror 1" in rows[ids[1]]
    code, out, err = cli("job", "show", ids[1])
    assert code == 3 and "offline" in err
    assert "(offline: as last seen at " in out.splitlines()[0]
    assert out.splitlines()[1:] == shown.splitlines()[1:]  # what DescribeJob said, report location included
    code, out, _ = cli("job", "show", ids[1], "--json")
    assert code == 3 and json.loads(out)["Offline"] is True and json.loads(out)["Job"]["JobId"] == ids[1]

    store.close()
    database = b"".join(path.read_bytes() for path in (tmp_path / "data").glob("jobs.sqlite3*"))  # WAL too
    assert ids[1].encode() in database  # the mirror is there...
    assert seaweed.secret_key.encode() not in database and seaweed.access_key.encode() not in database  # ...keys not

    code, out, _ = cli("job", "prune", "--before", "0h")  # the cancelled one has ended
    assert code == 0 and f"deleted {ids[0]}" in out and "S3 Control history" in out
    code, out, _ = cli("job", "delete", ids[1][:12])
    assert code == 0 and f"deleted {ids[1]} from the local history" in out
    code, out, _ = cli("job", "list")  # other tests' jobs of this server may still be mirrored
    assert ids[0] not in out and ids[1] not in out


def test_offline_with_nothing_mirrored_is_an_error(server_env, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    code = main(["--data-dir", str(tmp_path), "--backend", "aws", "--account-id", ACCOUNT,
                 "--control-endpoint", f"http://127.0.0.1:{free_ports(1)[0]}", "job", "list"])  # fmt: skip
    assert code == 2
    assert "no job of this backend is in the local history yet" in capsys.readouterr().err


def test_a_job_s3_control_has_forgotten_is_shown_from_the_history(cli, proxy, tmp_path, seaweed):
    forgotten = "11111111-2222-3333-4444-555555555555"  # ended more than 90 days ago: S3 Control says NotFound
    ended = dt.datetime(2026, 1, 2, tzinfo=dt.timezone.utc)
    store = Store(tmp_path / "data" / "jobs.sqlite3")
    ControlMirror(store, BackendIdentity(ACCOUNT, seaweed.region, proxy.url)).listed([{
        "JobId": forgotten, "Status": "Complete", "Operation": "S3PutObjectTagging", "Priority": 1,
        "CreationTime": ended, "TerminationDate": ended,
        "ProgressSummary": {"TotalNumberOfTasks": 7, "NumberOfTasksSucceeded": 7, "NumberOfTasksFailed": 0}}])  # fmt: skip
    store.close()
    code, out, err = cli("job", "show", forgotten)
    assert code == 0, err
    assert f"S3 Control no longer has job {forgotten}; from the local history" in err
    assert "(from the local history: as last seen at" in out.splitlines()[0]
    assert "Status:      Complete" in out and "7 total, 7 succeeded, 0 failed" in out
    code, _, err = cli("job", "show", "99999999-2222-3333-4444-555555555555")
    assert code == 2 and "not in the local history either" in err
