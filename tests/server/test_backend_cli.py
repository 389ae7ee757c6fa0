"""`--backend aws` and `job submit` against `s3batch-tui serve` over real HTTP, SeaweedFS as the S3 side.

The CLI's requests are boto3's own `s3control` calls, so botocore validates each one
against the model before it is sent (parameter validation stays on). The server signs
with SeaweedFS's key, so one credential chain serves both the manifest upload and S3 Control.
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import pytest

from s3batch_tui.cli import main
from s3batch_tui.serve_process import ACCOUNT, write_credentials
from tests.integration.helpers import seed_objects, write_manifest
from tests.server.drop_proxy import DropProxy

pytestmark = pytest.mark.xdist_group("serve")

ENDED = ("Complete", "Failed", "Cancelled")


@pytest.fixture
def served(served_s3_keys):
    """A server that accepts SeaweedFS's key (the CLI has one credential chain for both)."""
    return served_s3_keys


@pytest.fixture
def aws(served, server_env, capsys):
    """`aws(*args, endpoint=...) -> (exit code, stdout, stderr)`: the CLI with --backend aws on the server."""

    def run(*args: str, endpoint: str | None = None, backend: str | None = "aws") -> tuple[int, str, str]:
        flags = ["--account-id", ACCOUNT, "--control-endpoint", endpoint or served.endpoint_url]
        code = main([*(["--backend", backend] if backend else []), *flags, *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def job_file(tmp_path, s3, bucket):
    """`make(count, manifest_in_s3=False, **overrides)`: a job file tagging `count` fresh objects."""

    def make(count: int = 3, manifest_in_s3: bool = False, **overrides) -> tuple:
        keys = seed_objects(s3, bucket, [f"k {i:03d}.txt" for i in range(count)])
        manifest = tmp_path / f"manifest-{uuid.uuid4().hex[:6]}.csv"
        write_manifest(manifest, bucket, keys)
        location = {"ObjectArn": f"file://{manifest}"}
        if manifest_in_s3:
            s3.put_object(Bucket=bucket, Key="in-s3/manifest.csv", Body=manifest.read_bytes())
            etag = s3.head_object(Bucket=bucket, Key="in-s3/manifest.csv")["ETag"].strip('"')
            location = {"ObjectArn": f"arn:aws:s3:::{bucket}/in-s3/manifest.csv", "ETag": etag}
        job = {
            "Operation": {"S3PutObjectTagging": {"TagSet": [{"Key": "via", "Value": "control"}]}},
            "Manifest": {"Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]},
                         "Location": location},
            "Report": {"Enabled": True, "Bucket": f"arn:aws:s3:::{bucket}", "Format": "Report_CSV_20180820",
                       "ReportScope": "AllTasks", "Prefix": "reports"},
            "Priority": 10,
            "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/batch",
            "ConfirmationRequired": False,
            "Description": f"backend test {uuid.uuid4().hex[:8]}",
        } | overrides  # fmt: skip
        path = tmp_path / f"job-{uuid.uuid4().hex[:6]}.json"
        path.write_text(json.dumps({k: v for k, v in job.items() if v is not None}), encoding="utf-8")
        return path, job, keys

    return make


def describe(aws, job_id: str) -> dict:
    code, out, err = aws("job", "show", job_id, "--json")
    assert code == 0, err
    return json.loads(out)["Job"]


def wait_status(aws, job_id: str, statuses, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while (job := describe(aws, job_id))["Status"] not in statuses:
        assert time.monotonic() < deadline, f"job stayed {job['Status']}, expected {statuses}"
        time.sleep(0.2)
    return job


def listed(aws) -> dict[str, dict]:
    code, out, err = aws("job", "list", "--json")
    assert code == 0, err
    return {job["JobId"]: job for job in json.loads(out)["Jobs"]}


def submit(aws, path, *extra: str, **kwargs) -> str:
    code, out, err = aws("job", "submit", str(path), *extra, **kwargs)
    assert code == 0, err
    return out.strip()


def test_submit_uploads_a_local_manifest_runs_it_and_a_repeat_makes_no_second_job(aws, job_file, s3, bucket):
    path, job, keys = job_file(4)
    job_id = submit(aws, path, "--manifest-to", f"s3://{bucket}/manifests/")
    done = wait_status(aws, job_id, ENDED)
    assert done["Status"] == "Complete"
    assert done["ProgressSummary"]["NumberOfTasksSucceeded"] == 4
    location = done["Manifest"]["Location"]
    key = location["ObjectArn"].removeprefix(f"arn:aws:s3:::{bucket}/")
    local_name = job["Manifest"]["Location"]["ObjectArn"].rsplit("/", 1)[-1]
    assert key.startswith("manifests/") and key.endswith("/" + local_name)  # named by its content digest
    assert location["ETag"] == s3.head_object(Bucket=bucket, Key=key)["ETag"].strip('"')
    assert s3.get_object_tagging(Bucket=bucket, Key=keys[2])["TagSet"] == [{"Key": "via", "Value": "control"}]
    token = json.loads(path.with_name(path.name + ".token").read_text())["ClientRequestToken"]

    assert submit(aws, path, "--manifest-to", f"s3://{bucket}/manifests/") == job_id  # same token: same job
    assert json.loads(path.with_name(path.name + ".token").read_text())["ClientRequestToken"] == token
    assert [j for j in listed(aws).values() if j.get("Description") == job["Description"]] == [listed(aws)[job_id]]


def test_submit_uploads_a_big_manifest_in_parts_and_references_its_multipart_etag(aws, job_file, s3, bucket):
    """A manifest over boto3's multipart threshold (8 MiB) is streamed from disk in parts, not read whole."""
    path, job, _ = job_file(1, ConfirmationRequired=True)
    manifest = Path(job["Manifest"]["Location"]["ObjectArn"].removeprefix("file://"))
    padding = "".join(f"{bucket},never-made/{'x' * 200}-{i:06d}\n" for i in range(45_000))  # ~9.5 MB
    manifest.write_text(manifest.read_text() + padding, encoding="utf-8")
    job_id = submit(aws, path, "--manifest-to", f"s3://{bucket}/big/")
    location = describe(aws, job_id)["Manifest"]["Location"]
    key = location["ObjectArn"].removeprefix(f"arn:aws:s3:::{bucket}/")
    head = s3.head_object(Bucket=bucket, Key=key)
    assert head["ContentLength"] == manifest.stat().st_size and head["ContentType"] == "text/csv"
    assert location["ETag"] == head["ETag"].strip('"') and location["ETag"].endswith("-2")  # two 8 MiB parts
    assert aws("job", "cancel", job_id)[0] == 0


def test_submit_rides_out_s3_faults_and_a_short_outage_while_uploading_the_manifest(aws, job_file, seaweed, bucket):
    """The manifest upload meets a 503 SlowDown and a reset, then (another submit) a 1 s outage: each is retried."""
    from tests.integration.fault_proxy import FaultProxy

    proxy = FaultProxy(seaweed.endpoint_url, max_lifetime=120)
    try:
        proxy.fail_next("slowdown", "reset_before", matching="PUT")
        path, _, _ = job_file(2)
        job_id = submit(aws, path, "--manifest-to", f"s3://{bucket}/faulty/", "--endpoint-url", proxy.url)
        assert proxy.counts["slowdown"] == proxy.counts["reset_before"] == 1
        assert describe(aws, job_id)["Manifest"]["Location"]["ObjectArn"].startswith(f"arn:aws:s3:::{bucket}/faulty/")
        path, _, _ = job_file(2)
        proxy.outage(1.0)
        assert submit(aws, path, "--manifest-to", f"s3://{bucket}/faulty/", "--endpoint-url", proxy.url)
        assert proxy.counts["outage"] == 1
    finally:
        proxy.stop()


def test_submit_with_an_s3_manifest_waits_for_confirm_and_list_show_confirm_work(aws, job_file, s3, bucket):
    path, job, keys = job_file(2, manifest_in_s3=True, ConfirmationRequired=True)
    job_id = submit(aws, path)
    assert wait_status(aws, job_id, ("Suspended",))["Manifest"]["Location"] == job["Manifest"]["Location"]
    assert listed(aws)[job_id]["Status"] == "Suspended"
    code, out, _ = aws("job", "list")
    assert code == 0 and any(line.startswith(job_id) and "Suspended" in line for line in out.splitlines())

    code, out, err = aws("job", "confirm", job_id)
    assert code == 0, err
    assert wait_status(aws, job_id, ENDED)["Status"] == "Complete"
    code, out, _ = aws("job", "show", job_id)
    assert code == 0
    assert "Status:      Complete" in out and "2 total, 2 succeeded, 0 failed" in out
    assert f"Report:      s3://{bucket}/reports/job-{job_id}/manifest.json" in out


def test_cancel_priority_and_tags(aws, job_file):
    path, _, _ = job_file(2, manifest_in_s3=True, ConfirmationRequired=True, Tags=[{"Key": "team", "Value": "data"}])
    job_id = submit(aws, path)
    wait_status(aws, job_id, ("Suspended",))

    code, out, err = aws("job", "priority", job_id, "77")
    assert (code, out.strip()) == (0, f"{job_id} priority is now 77"), err
    assert describe(aws, job_id)["Priority"] == 77

    code, out, _ = aws("job", "tags", job_id)
    assert (code, out) == (0, "team=data\n")
    code, out, err = aws("job", "tags", job_id, "--set", "team=ops", "--set", "cost=7")
    assert (code, out) == (0, "team=ops\ncost=7\n"), err
    code, out, _ = aws("job", "tags", job_id, "--delete-all", "--json")
    assert (code, json.loads(out)) == (0, {"Tags": []})

    code, out, err = aws("job", "cancel", job_id)
    assert code == 0, err
    assert wait_status(aws, job_id, ENDED)["Status"] == "Cancelled"
    code, _, err = aws("job", "priority", job_id, "5")  # an ended job's priority cannot change
    assert code == 2 and "error" in err


def test_unknown_job_is_a_clear_error(aws):
    code, _, err = aws("job", "show", "00000000-0000-0000-0000-000000000000")
    assert code == 2 and "no job 00000000-0000-0000-0000-000000000000" in err


@pytest.mark.parametrize(("action", "reason"), [
    ("pause", "AWS S3 Batch Operations has no pause"),
    ("resume", "nothing to resume"),
    ("run", "runs a job by itself"),
])  # fmt: skip
def test_actions_the_backend_cannot_do_are_refused_with_the_reason(aws, action, reason):
    before = listed(aws)
    code, out, err = aws("job", action, "00000000-0000-0000-0000-000000000000")
    assert code == 2 and out == ""
    assert f"error: {action}: " in err and reason in err
    assert list(listed(aws)) == list(before)


def test_submit_refusals_send_and_upload_nothing(aws, job_file, s3, bucket):
    before = listed(aws)

    path, _, _ = job_file(1, LocalOptions={"MaxAttempts": 2}, Report={"Enabled": True, "Bucket": "file:///tmp/r",
                          "Format": "Report_CSV_20180820", "ReportScope": "AllTasks"})  # fmt: skip
    code, _, err = aws("job", "submit", str(path), "--manifest-to", f"s3://{bucket}/m/")
    assert code == 2 and "LocalOptions, Report.Bucket" in err

    path, _, _ = job_file(1, RoleArn=None)
    code, _, err = aws("job", "submit", str(path), "--manifest-to", f"s3://{bucket}/m/")
    assert code == 2 and "RoleArn: required" in err and "trust" not in err  # no IAM at serve: no list

    path, _, _ = job_file(1)
    code, _, err = aws("job", "submit", str(path))
    assert code == 2 and "give --manifest-to" in err
    code, _, err = aws("job", "submit", str(path), backend="local")
    assert code == 2 and "submit: sends a job to an S3 Control backend" in err

    assert list(listed(aws)) == list(before)
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket, Prefix="m/")
    assert not path.with_name(path.name + ".token").exists()


def test_submit_retried_after_a_lost_answer_makes_one_job(aws, job_file, served, monkeypatch):
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")  # botocore's own retry also loses its answer
    path, job, _ = job_file(2, manifest_in_s3=True)
    proxy = DropProxy(served.port)
    try:
        proxy.drop = True
        code, out, err = aws("job", "submit", str(path), endpoint=proxy.url)
        assert code == 2 and out == ""
        assert "run the same command again" in err
        assert proxy.dropped == 2  # the server handled both attempts; the client saw neither answer
        proxy.drop = False
        job_id = submit(aws, path, endpoint=proxy.url)
    finally:
        proxy.close()
    mine = [j["JobId"] for j in listed(aws).values() if j.get("Description") == job["Description"]]
    assert mine == [job_id]
    assert wait_status(aws, job_id, ENDED)["Status"] == "Complete"


def test_list_follows_next_token_over_every_page(aws, job_file, monkeypatch):
    from s3batch_tui.core.backends import s3control

    submit(aws, job_file(1, manifest_in_s3=True, ConfirmationRequired=True)[0])
    submit(aws, job_file(1, manifest_in_s3=True, ConfirmationRequired=True)[0])
    everything = listed(aws)
    assert len(everything) >= 3
    requests = []
    monkeypatch.setattr(s3control, "PAGE_SIZE", 1)  # small pages, so NextToken is followed
    original = s3control.S3ControlBackend._call

    def counting(self, operation, **params):
        requests.append(params)
        return original(self, operation, **params)

    monkeypatch.setattr(s3control.S3ControlBackend, "_call", counting)
    assert list(listed(aws)) == list(everything)  # the same jobs in the same order
    assert len(requests) == len(everything)  # one job per page; the last page has no NextToken
    assert all(request["NextToken"] for request in requests[1:])


def test_control_credentials_come_from_a_profile(served, seaweed, tmp_path, monkeypatch, capsys):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)
    credentials = write_credentials(tmp_path / "credentials", seaweed.access_key, seaweed.secret_key)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))  # its one section is [client]
    flags = ["--backend", "aws", "--account-id", ACCOUNT, "--control-endpoint", served.endpoint_url]
    assert main(["--profile", "client", *flags, "job", "list", "--json"]) == 0
    assert "Jobs" in json.loads(capsys.readouterr().out)
    assert main(["--profile", "nobody", *flags, "job", "list"]) == 2
    assert "nobody" in capsys.readouterr().err


def test_submit_takes_the_account_from_the_job_file(aws, served, job_file, capsys):
    path, job, _ = job_file(1, manifest_in_s3=True, ConfirmationRequired=True, AccountId=ACCOUNT)
    assert main(["--control-endpoint", served.endpoint_url, "job", "submit", str(path)]) == 0  # no --account-id: no STS
    job_id = capsys.readouterr().out.strip()
    assert describe(aws, job_id)["Description"] == job["Description"]
