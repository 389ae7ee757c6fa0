"""`job handover`: a local job's rest goes to `s3batch-tui serve` over real HTTP, SeaweedFS as S3 for both.

serve runs the handed-over part with our engine, so the AWS job's report is a real
one in SeaweedFS. The local job runs in a real `job run` child process (rate-limited so
that it is still running when the hand-over comes). Every S3 Control request is boto3's,
validated against the model before it is sent.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from urllib.parse import quote_plus, unquote_plus

import pytest

from s3batch_tui.cli import main
from s3batch_tui.core.handover import run as handover_run
from s3batch_tui.core.handover.record import load_record
from s3batch_tui.core.report import open_report
from s3batch_tui.core.store import Store
from s3batch_tui.serve_process import ACCOUNT
from s3batch_tui.settings import Settings
from tests.integration.helpers import seed_objects
from tests.server.drop_proxy import DropProxy
from tests.server.test_backend_cli import aws, describe, listed, served  # noqa: F401

pytestmark = pytest.mark.xdist_group("serve")


@pytest.fixture
def local_job(tmp_path, s3, bucket, capsys):
    """`make(count, rate=8, **job) -> (job id, raw keys, job file)`: a stored local job tagging `count` objects."""

    def make(count: int = 30, rate: float | None = 8, **overrides) -> tuple[str, list[str]]:
        run = uuid.uuid4().hex[:6]
        keys = seed_objects(s3, bucket, [f"{run}/obj {i:03d}.txt" for i in range(count)])
        manifest = tmp_path / f"manifest-{run}.csv"
        manifest.write_text("".join(f"{bucket},{quote_plus(key)}\n" for key in keys), encoding="utf-8")
        job = {
            "Operation": {"S3PutObjectTagging": {"TagSet": [{"Key": "handed", "Value": "over"}]}},
            "Manifest": {"Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]},
                         "Location": {"ObjectArn": f"file://{manifest}"}},
            "Report": {"Enabled": True, "Bucket": f"arn:aws:s3:::{bucket}", "Format": "Report_CSV_20180820",
                       "ReportScope": "AllTasks", "Prefix": f"{run}/reports"},
            "Priority": 10, "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/batch", "ConfirmationRequired": False,
            "Description": f"handover test {run}",
        } | ({"LocalOptions": {"MaxOperationsPerSecond": rate}} if rate else {}) | overrides  # fmt: skip
        path = tmp_path / f"job-{run}.json"
        path.write_text(json.dumps({k: v for k, v in job.items() if v is not None}), encoding="utf-8")
        assert main(["job", "create", str(path)]) == 0
        return capsys.readouterr().out.strip(), [quote_plus(key) for key in keys]

    return make


@pytest.fixture
def store():
    return Store(Settings.load().db_path)


def start_runner(job_id: str) -> subprocess.Popen:
    """`job run ID` in a child process (the test's home and SeaweedFS settings come through the environment)."""
    return subprocess.Popen([sys.executable, "-m", "s3batch_tui", "job", "run", job_id],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip


def wait_done(store: Store, job_id: str, at_least: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while (record := store.get(job_id)).succeeded + record.failed < at_least:
        assert time.monotonic() < deadline, f"job stayed at {record.succeeded + record.failed} tasks ({record.status})"
        time.sleep(0.05)


def handover(aws, job_id: str, bucket: str, *extra: str, **kwargs) -> tuple[int, str, str]:
    return aws("job", "handover", job_id, "--manifest-to", f"s3://{bucket}/handover/", *extra, backend=None, **kwargs)


def report_keys(location: str, s3) -> Counter:
    return Counter(row.key for row in open_report(location, s3).rows())


def check_exactly_once(aws, job_waiter, store, s3, bucket, job_id: str, aws_id: str, keys: list[str], capsys) -> None:
    """Both jobs ended; every entry is in exactly one of the two reports; `report show` reads both."""
    local = store.get(job_id)
    assert local.status == "Cancelled"
    assert local.status_reason.startswith(f"handed over to job {aws_id} on AWS {ACCOUNT}")
    remote = job_waiter(aws_id)
    assert remote["Status"] == "Complete"
    done_here = local.succeeded + local.failed
    assert remote["ProgressSummary"]["TotalNumberOfTasks"] == len(keys) - done_here
    assert 0 < done_here < len(keys)
    aws_report = f"s3://{bucket}/{local.spec.report.prefix}/job-{aws_id}/manifest.json"
    together = report_keys(local.report_location, s3) + report_keys(aws_report, s3)
    assert together == Counter(keys)  # each entry once, across the two reports

    assert main(["report", "show", job_id[:8]]) == 0
    out = capsys.readouterr().out
    assert f"Part 1: local job {job_id} (the {done_here} tasks that ran here)" in out
    assert f"Part 2: AWS job {aws_id} on AWS {ACCOUNT}" in out and f"Report: {aws_report}" in out
    assert f"Together: {len(keys)} tasks ({len(keys)} succeeded, 0 failed) from 2 of 2 reports" in out
    tagged = {"handed": "over"}
    for key in (keys[0], keys[-1]):
        tags = s3.get_object_tagging(Bucket=bucket, Key=unquote_plus(key))["TagSet"]
        assert {t["Key"]: t["Value"] for t in tags} == tagged


def test_hand_over_a_running_job(aws, job_waiter, local_job, store, s3, bucket, capsys):
    job_id, keys = local_job(40, rate=5)
    runner = start_runner(job_id)
    try:
        wait_done(store, job_id, 3)
        code, out, err = handover(aws, job_id, bucket, "--yes")
        assert code == 0, err
        assert runner.wait(30) == 130  # it stopped at a checkpoint and let go of the job
    finally:
        runner.kill()
    aws_id = out.strip()
    assert "stop it at a checkpoint" in err and f"to AWS {ACCOUNT}" in err
    remote = describe(aws, aws_id)
    assert remote["Operation"] == {"S3PutObjectTagging": {"TagSet": [{"Key": "handed", "Value": "over"}]}}
    assert remote["Report"]["Prefix"] == store.get(job_id).spec.report.prefix
    assert remote["Manifest"]["Location"]["ObjectArn"].startswith(f"arn:aws:s3:::{bucket}/handover/handover-{job_id}-")
    check_exactly_once(aws, job_waiter, store, s3, bucket, job_id, aws_id, keys, capsys)
    code, out, _ = aws("job", "show", job_id, backend=None)
    assert f"Status:      Cancelled (handed over to job {aws_id}" in out
    rest = len(keys) - store.get(job_id).succeeded - store.get(job_id).failed
    assert f"Handed over: {rest} entries to job {aws_id} on AWS" in out


def test_hand_over_a_paused_job_whose_runner_waits(aws, job_waiter, local_job, store, s3, bucket, capsys):
    job_id, keys = local_job(20)
    runner = start_runner(job_id)
    try:
        wait_done(store, job_id, 2)
        assert main(["job", "pause", job_id]) == 0
        capsys.readouterr()
        deadline = time.monotonic() + 30
        while store.get(job_id).status != "Paused":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert runner.poll() is None  # paused, its runner holds the job and waits for a resume
        code, out, err = handover(aws, job_id, bucket, "--yes")
        assert code == 0, err
        assert runner.wait(30) == 130
    finally:
        runner.kill()
    check_exactly_once(aws, job_waiter, store, s3, bucket, job_id, out.strip(), keys, capsys)


def killed_midway(local_job, store, count: int = 20, **job) -> tuple[str, list[str]]:
    """A local job whose runner was SIGKILLed after a few tasks: Paused, runner-free."""
    job_id, keys = local_job(count, **job)
    runner = start_runner(job_id)
    wait_done(store, job_id, 2)
    runner.send_signal(signal.SIGKILL)
    runner.wait()
    store.reap_orphans()
    assert store.get(job_id).status == "Paused"
    return job_id, keys


def test_a_handover_retried_after_a_lost_answer_or_a_crash_makes_one_job(aws, job_waiter, local_job, store, s3, bucket, served,
                                                                  monkeypatch, capsys):  # fmt: skip
    job_id, keys = killed_midway(local_job, store)
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")  # botocore's own retry loses its answer too
    proxy = DropProxy(served.port)
    try:
        proxy.drop = True
        code, out, err = handover(aws, job_id, bucket, "--yes", endpoint=proxy.url)
        assert (code, out) == (2, "") and "run the same command again" in err
        assert proxy.dropped == 2
        assert store.get(job_id).status == "Paused"
        assert main(["job", "run", job_id]) == 2  # the AWS job may exist: running it here could do entries twice
        assert "may have created a job there" in capsys.readouterr().err
        proxy.drop = False

        def killed(*args, **kwargs):  # the process dies after CreateJob answered, before the local job ended
            raise KeyboardInterrupt

        with monkeypatch.context() as patch:
            patch.setattr(handover_run, "_end_local", killed)
            with pytest.raises(KeyboardInterrupt):
                handover(aws, job_id, bucket, "--yes", endpoint=proxy.url)
        link = load_record(Settings.load().job_dir(job_id))
        assert link.phase == "submitted" and link.aws_job_id
        assert store.get(job_id).status == "Paused" and not store.lease_is_live(store.get(job_id))
        assert main(["job", "run", job_id]) == 2
        assert f"it was handed over to job {link.aws_job_id}" in capsys.readouterr().err

        code, out, err = handover(aws, job_id, bucket, "--yes", endpoint=proxy.url)
        assert code == 0, err
        aws_id = out.strip()
        assert aws_id == link.aws_job_id
        mine = [j["JobId"] for j in listed(aws).values() if f"of local job {job_id}" in j.get("Description", "")]
        assert mine == [aws_id]
        check_exactly_once(aws, job_waiter, store, s3, bucket, job_id, aws_id, keys, capsys)  # the link names the proxy
    finally:
        proxy.close()
    code, _, err = handover(aws, job_id, bucket, "--yes")  # done: a third try changes nothing
    assert code == 2 and f"was handed over to job {aws_id}" in err


def test_bad_input_stops_sends_and_writes_nothing(aws, local_job, store, s3, bucket, tmp_path, capsys):
    no_role, _ = killed_midway(local_job, store, RoleArn=None)
    local_report, _ = local_job(3, Report={"Enabled": True, "Bucket": f"file://{tmp_path / 'r'}",
                                           "Format": "Report_CSV_20180820", "ReportScope": "AllTasks"})  # fmt: skip
    assert main(["job", "run", local_report]) == 0
    capsys.readouterr()
    finished = local_report
    waiting, _ = local_job(2)  # New: never started
    before = listed(aws)
    cases = [
        (("nosuchjob",), "no job with id 'nosuchjob'"),
        ((finished,), f"job {finished} has already ended (Complete); nothing is left to hand over"),
        ((waiting,), f"job {waiting} is New; only a running or paused job is handed over"),
        ((no_role,), "RoleArn: required: the IAM role"),
    ]
    for args, message in cases:
        code, out, err = handover(aws, *args, "--yes")
        assert (code, out) == (2, ""), err
        assert message in err
    code, out, err = aws("job", "handover", no_role, "--manifest-to", "bucket/prefix", "--role-arn", "arn:aws:iam::"
                         f"{ACCOUNT}:role/x", "--yes", backend=None)  # fmt: skip
    assert code == 2 and "--manifest-to: expected s3://bucket/prefix/" in err
    code, out, err = handover(aws, no_role, "no-such-bucket-for-handover", "--role-arn", f"arn:aws:iam::{ACCOUNT}:role/x",
                              "--yes")  # fmt: skip
    assert (code, out) == (2, "") and "--manifest-to: cannot use bucket 'no-such-bucket-for-handover'" in err
    code, out, err = handover(aws, no_role, bucket, "--role-arn", f"arn:aws:iam::{ACCOUNT}:role/x")  # no --yes
    assert (code, out) == (2, "") and "give --yes" in err  # no terminal to ask on: the plan only
    assert f"Hand over job {no_role} (S3PutObjectTagging, Paused:" in err and f"role arn:aws:iam::{ACCOUNT}:role/x" in err
    assert store.get(no_role).status == "Paused" and store.get(waiting).status == "New"
    assert not (Settings.load().job_dir(no_role) / "handover.json").exists()
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket, Prefix="handover/")
    assert list(listed(aws)) == list(before)
