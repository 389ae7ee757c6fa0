"""Preflight (issue 7 item 4): a bad environment is one clear line, exit 2, before any object is touched."""

from __future__ import annotations

import json
import socket
import sys
import time

import pytest

from s3batch_tui.core.launcher import Launcher
from s3batch_tui.core.preflight import PreflightError, preflight
from s3batch_tui.core.s3 import AwsSettings, ClientFactory
from s3batch_tui.core.spec import JobSpec
from s3batch_tui.core.start_failure import reap_failed_starts
from s3batch_tui.core.status import JobStatus
from s3batch_tui.core.store import Store
from s3batch_tui.settings import Settings
from tests.integration.test_cli import run_cli, show
from tests.integration.tiny_http import ScriptedHandler, serve

TAGGED = [{"Key": "done", "Value": "yes"}]


def untouched(s3, bucket, keys) -> bool:
    return all(s3.get_object_tagging(Bucket=bucket, Key=key)["TagSet"] == [] for key in keys)


@pytest.mark.parametrize("how", ["flag", "env"])
def test_a_missing_profile_is_one_line_exit_two_and_nothing_is_stored(server_env, capsys, make_job, s3, bucket,
                                                                       tmp_path, monkeypatch, how):  # fmt: skip
    job_path, keys = make_job(3)
    argv = ["run", str(job_path)]
    if how == "flag":
        argv = ["--profile", "nosuch", *argv]
    else:
        monkeypatch.setenv("AWS_PROFILE", "nosuch")
    code, out, err = run_cli(capsys, *argv)
    assert code == 2 and out == ""
    where = "--profile" if how == "flag" else "AWS_PROFILE"
    assert err.startswith(f"s3batch-tui: error: {where}: the AWS profile 'nosuch' does not exist")
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "home").exists()
    assert untouched(s3, bucket, keys)


def test_job_run_and_report_show_with_a_missing_profile_exit_two_and_the_job_shows_why(server_env, capsys, make_job,
                                                                                        s3, bucket, tmp_path):  # fmt: skip
    job_path, keys = make_job(3)
    _, out, _ = run_cli(capsys, "job", "create", str(job_path))
    job_id = out.strip()
    code, out, err = run_cli(capsys, "--profile", "nosuch", "job", "run", job_id)
    assert code == 2 and "Traceback" not in err
    assert err.startswith("s3batch-tui: error: --profile: the AWS profile 'nosuch' does not exist")
    job = show(capsys, job_id)
    assert job["Status"] == "Failed"
    assert job["FailureReasons"][0]["FailureCode"] == "ProfileNotFound"
    assert "nosuch" in job["FailureReasons"][0]["FailureReason"]
    assert untouched(s3, bucket, keys)
    code, _, err = run_cli(capsys, "--profile", "nosuch", "report", "show", f"s3://{bucket}/reports")
    assert code == 2 and err.startswith("s3batch-tui: error: --profile: the AWS profile 'nosuch'")


def test_a_wrong_endpoint_fails_in_seconds_naming_it(server_env, capsys, make_job, tmp_path):
    job_path, _ = make_job(2)
    started = time.monotonic()
    code, out, err = run_cli(capsys, "--endpoint-url", "http://127.0.0.1:1", "run", str(job_path))
    elapsed = time.monotonic() - started
    assert code == 2 and out == ""
    assert err.startswith("s3batch-tui: error: endpoint: cannot reach the S3 endpoint http://127.0.0.1:1: "
                          "Could not connect to the endpoint URL")  # fmt: skip
    assert elapsed < 10
    assert not (tmp_path / "home").exists()


def test_no_credentials_at_all_is_a_clear_message_before_any_task(seaweed, capsys, make_job, tmp_path, monkeypatch):
    job_path, _ = make_job(2)
    monkeypatch.setenv("AWS_ENDPOINT_URL", seaweed.endpoint_url)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no instance role lookup on loopback-only machines
    code, out, err = run_cli(capsys, "run", str(job_path))
    assert code == 2 and out == ""
    assert err.startswith("s3batch-tui: error: credentials: no AWS credentials found")
    assert not (tmp_path / "home").exists()


@pytest.mark.parametrize("field", ["report", "target", "manifest"])
def test_a_missing_bucket_is_named_with_its_field(server_env, capsys, make_job, s3, bucket, tmp_path, field):
    job_path, keys = make_job(2)
    job = json.loads(job_path.read_text())
    where = {"report": "Report.Bucket", "target": "Operation.S3PutObjectCopy.TargetResource",
             "manifest": "Manifest.Location.ObjectArn"}[field]  # fmt: skip
    if field == "report":
        job["Report"] = {"Enabled": True, "Bucket": "arn:aws:s3:::no-such-bucket-here", "Format": "Report_CSV_20180820",
                         "ReportScope": "AllTasks"}  # fmt: skip
    elif field == "target":
        job["Operation"] = {"S3PutObjectCopy": {"TargetResource": "arn:aws:s3:::no-such-bucket-here"}}
    else:
        job["Manifest"]["Location"] = {"ObjectArn": "arn:aws:s3:::no-such-bucket-here/m.csv", "ETag": "x"}
    job_path.write_text(json.dumps(job))
    code, out, err = run_cli(capsys, "run", str(job_path))
    assert code == 2 and out == ""
    assert err == f"s3batch-tui: error: {where}: bucket 'no-such-bucket-here' does not exist\n"
    assert not (tmp_path / "home").exists()
    assert untouched(s3, bucket, keys)


def test_a_report_location_that_is_a_file_is_refused(server_env, capsys, make_job, tmp_path):
    job_path, _ = make_job(2)
    job = json.loads(job_path.read_text())
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    job["Report"]["Bucket"] = f"file://{blocker}"
    job_path.write_text(json.dumps(job))
    code, _, err = run_cli(capsys, "run", str(job_path))
    assert code == 2 and err == f"s3batch-tui: error: Report.Bucket: {blocker} is a file, not a directory\n"


def test_the_report_write_test_leaves_nothing_in_a_versioned_bucket(server_env, capsys, make_job, s3, bucket):
    report_bucket = f"{bucket}-rep"
    s3.create_bucket(Bucket=report_bucket)
    s3.put_bucket_versioning(Bucket=report_bucket, VersioningConfiguration={"Status": "Enabled"})
    job_path, _ = make_job(3)
    job = json.loads(job_path.read_text())
    job["Report"] = {"Enabled": True, "Bucket": f"arn:aws:s3:::{report_bucket}", "Prefix": "r",
                     "Format": "Report_CSV_20180820", "ReportScope": "AllTasks"}  # fmt: skip
    job_path.write_text(json.dumps(job))
    code, out, _ = run_cli(capsys, "run", str(job_path))
    assert code == 0
    listing = s3.list_object_versions(Bucket=report_bucket)
    names = [v["Key"] for v in listing.get("Versions", [])] + [m["Key"] for m in listing.get("DeleteMarkers", [])]
    assert names and not [n for n in names if "preflight" in n]
    assert not listing.get("DeleteMarkers")


def test_job_run_on_a_paused_job_keeps_it_paused_with_the_reason(server_env, capsys, make_job, tmp_path):
    job_path, _ = make_job(2)
    _, out, _ = run_cli(capsys, "job", "create", str(job_path))
    job_id = out.strip()
    store = Store(Settings.load().db_path)
    for status in ("Preparing", "Paused"):
        store.set_status(job_id, JobStatus(status), "stopped for the test")
    code, _, err = run_cli(capsys, "--endpoint-url", "http://127.0.0.1:1", "job", "run", job_id)
    assert code == 2 and "cannot reach the S3 endpoint http://127.0.0.1:1" in err
    job = show(capsys, job_id)
    assert job["Status"] == "Paused" and "cannot reach the S3 endpoint" in job["StatusUpdateReason"]
    code, out, _ = run_cli(capsys, "job", "run", job_id)  # fixed: it resumes and completes
    assert code == 0 and "Status: Complete" in out


def test_the_tuis_runner_with_a_missing_profile_leaves_the_job_failed_with_the_reason(server_env, capsys, make_job):
    job_path, _ = make_job(1)
    _, out, _ = run_cli(capsys, "job", "create", str(job_path))
    job_id = out.strip()
    settings = Settings.load()
    launcher = Launcher(settings, AwsSettings(profile="nosuch"))  # what the TUI's `r` starts
    assert launcher.start(job_id).wait(60) == 2
    record = Store(settings.db_path).get(job_id)
    assert record.status == "Failed"
    assert record.failure_reasons[0]["FailureCode"] == "ProfileNotFound"
    assert reap_failed_starts(Store(settings.db_path), launcher) == []  # the runner said why itself


def test_a_runner_that_dies_at_start_leaves_the_job_failed_with_its_last_words(server_env, capsys, make_job):
    job_path, _ = make_job(1)
    _, out, _ = run_cli(capsys, "job", "create", str(job_path))
    job_id = out.strip()
    settings = Settings.load()
    launcher = Launcher(settings)
    # Whatever kills a runner before it takes its job (here: a child that exits at once).
    launcher.command = lambda job_id, workers=None: [sys.executable, "-c", "import sys; sys.exit('boom: no start')"]
    launcher.start(job_id).wait(30)
    store = Store(settings.db_path)
    assert reap_failed_starts(store, launcher) == [job_id]
    assert reap_failed_starts(store, launcher) == []  # told once
    record = store.get(job_id)
    assert record.status == "Failed"
    (reason,) = record.failure_reasons
    assert reason == {"FailureCode": "RunnerFailed", "FailureReason": "the runner exited with code 1: boom: no start"}


def fake_credentials(monkeypatch) -> None:
    for name, value in {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "y", "AWS_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)


def remote_manifest_job() -> JobSpec:
    """A job whose manifest is in S3 bucket "manifests" (no report): preflight's one bucket."""
    return JobSpec.model_validate({
        "Operation": {"S3PutObjectTagging": {"TagSet": []}},
        "Manifest": {"Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]},
                     "Location": {"ObjectArn": "arn:aws:s3:::manifests/m.csv", "ETag": "e"}},
        "Report": {"Enabled": False},
    })  # fmt: skip


class FlakyHead(ScriptedHandler):
    """HeadBucket answers 503 `failures` times, then 200; writes are accepted."""

    def do_HEAD(self) -> None:
        type(self).heads += 1
        if type(self).heads <= type(self).failures:
            self.reply(503)
        else:
            self.reply(200)

    def do_PUT(self) -> None:
        self.reply(200)

    def do_DELETE(self) -> None:
        self.reply(204)


@pytest.mark.parametrize("failures, passes", [(2, True), (3, False)])
def test_a_transient_fault_in_preflight_is_retried_twice(tmp_path, monkeypatch, failures, passes):
    fake_credentials(monkeypatch)
    spec = remote_manifest_job()
    with serve(FlakyHead, heads=0, failures=failures) as (url, handler):
        clients = ClientFactory(AwsSettings(endpoint_url=url))
        monkeypatch.setattr("s3batch_tui.core.retry_call.RETRY_DELAYS", (0.01, 0.01))
        if passes:
            preflight(spec, clients, "job")
        else:
            with pytest.raises(PreflightError, match="HeadBucket on 'manifests' answered 503"):
                preflight(spec, clients, "job")
        assert handler.heads == 3


def test_an_endpoint_that_drops_connections_is_named_within_seconds(tmp_path, monkeypatch):
    """A listener whose accept queue is full: the kernel drops new SYNs, as a firewall would."""
    fake_credentials(monkeypatch)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    fillers = []
    for _ in range(3):  # fill the queue (never accepted); later connects hang
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(listener.getsockname())
        fillers.append(filler)
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    spec = remote_manifest_job()
    started = time.monotonic()
    try:
        with pytest.raises(PreflightError, match=f"cannot reach the S3 endpoint {url}: Connect timeout"):
            preflight(spec, ClientFactory(AwsSettings(endpoint_url=url)), "job")
    finally:
        for sock in [*fillers, listener]:
            sock.close()
    assert time.monotonic() - started < 15
