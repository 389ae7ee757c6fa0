"""The TUI on an S3 Control backend: `s3batch-tui serve` over real HTTP, SeaweedFS as S3.

Jobs are created with boto3's `s3control` (as another tool would); the TUI lists them,
inspects, confirms, cancels, changes priority and opens the report from S3 through its
own requests. Throttling is a real TooManyRequestsException answer from a loopback proxy.
"""

from __future__ import annotations

import time

import pytest

from s3batch_tui.core.backends.connect import ControlSettings
from s3batch_tui.core.s3 import AwsSettings
from s3batch_tui.serve_process import ACCOUNT, start_serve, write_credentials
from s3batch_tui.settings import Settings
from s3batch_tui.tui.app import build_app
from s3batch_tui.tui.screens.confirm import ConfirmScreen
from s3batch_tui.tui.screens.control_inspector import ControlInspectorScreen
from s3batch_tui.tui.screens.jobs import JobsScreen
from s3batch_tui.tui.screens.report import ReportScreen
from tests.integration.fault_proxy import FaultProxy
from tests.integration.helpers import seed_objects, write_manifest
from tests.tui.snapshot_app import SIZE

pytestmark = pytest.mark.xdist_group("serve")


@pytest.fixture(scope="module")
def served(tmp_path_factory, seaweed):
    """A server that accepts SeaweedFS's key: the TUI's S3 and S3 Control requests share one credential chain."""
    root = tmp_path_factory.mktemp("serve-tui")
    server = start_serve(root / "data", seaweed, write_credentials(root / "credentials", seaweed.access_key,
                                                                   seaweed.secret_key))  # fmt: skip
    yield server
    server.stop()


@pytest.fixture
def control(served, seaweed):
    return served.client(seaweed.access_key, seaweed.secret_key)


def create(control, tmp_path, s3, bucket, name: str, count: int = 4, missing: int = 0) -> str:
    """A job tagging `count` fresh objects (and `missing` absent ones), waiting for confirmation, reporting to S3."""
    keys = seed_objects(s3, bucket, [f"{name} {i}" for i in range(count)])
    manifest = tmp_path / f"{name}.csv"
    write_manifest(manifest, bucket, keys + [f"{name}-absent-{i}" for i in range(missing)])
    return control.create_job(
        AccountId=ACCOUNT, ConfirmationRequired=missing == 0, Description=name, Priority=10,
        Operation={"S3PutObjectTagging": {"TagSet": [{"Key": "via", "Value": "tui"}]}},
        Manifest={"Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]},
                  "Location": {"ObjectArn": f"file://{manifest}", "ETag": "local"}},
        Report={"Enabled": True, "Bucket": f"arn:aws:s3:::{bucket}", "Format": "Report_CSV_20180820",
                "ReportScope": "AllTasks", "Prefix": "tui-reports"},
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/tui", Tags=[{"Key": "team", "Value": "photo"}],
    )["JobId"]  # fmt: skip


def control_app(tmp_path, seaweed, endpoint: str, rate: float = 20.0):
    return build_app(Settings.load(tmp_path / "home"), AwsSettings(endpoint_url=seaweed.endpoint_url),
                     check_credentials=False, control=ControlSettings(ACCOUNT, endpoint), start_on_control=True,
                     refresh_rate=rate, offer_resume=False)  # fmt: skip


async def until(pilot, condition, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        await pilot.pause(0.1)


def status_of(app, job_id: str) -> str | None:
    job = app.jobs.get(job_id)
    return job and job.status.value


def messages(app) -> str:
    return " | ".join(str(n.message) for n in app._notifications)


async def test_jobs_of_a_served_backend_are_listed_inspected_and_steered(tmp_path, served, control, seaweed, s3,
                                                                         bucket, server_env):  # fmt: skip
    first = create(control, tmp_path, s3, bucket, "first")
    second = create(control, tmp_path, s3, bucket, "second")
    failing = create(control, tmp_path, s3, bucket, "failing", count=1, missing=2)
    app = control_app(tmp_path, seaweed, served.endpoint_url)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: status_of(app, first) == status_of(app, second) == "Suspended"
                    and status_of(app, failing) == "Complete", "not listed")  # fmt: skip
        assert app.sub_title == f"AWS {ACCOUNT} us-east-1 at {served.endpoint_url}"
        screen = app.screen
        assert isinstance(screen, JobsScreen) and {first, second} <= set(screen.table._rows)
        screen.table.select(first)
        await pilot.press("plus", "plus", "plus")  # a burst: each press counts
        await until(pilot, lambda: control.describe_job(AccountId=ACCOUNT, JobId=first)["Job"]["Priority"] == 13,
                    "priority not raised")  # fmt: skip
        screen.action_pause_resume()  # S3 Batch Operations has no pause: the key (shown while a job runs) says why
        await until(pilot, lambda: "has no pause" in messages(app), "no reason shown for p")
        await pilot.press("y")
        await until(pilot, lambda: status_of(app, first) == "Complete", "not confirmed", timeout=60)
        assert s3.get_object_tagging(Bucket=bucket, Key="first 3")["TagSet"] == [{"Key": "via", "Value": "tui"}]

        await pilot.press("enter")
        inspector = app.screen
        assert isinstance(inspector, ControlInspectorScreen)
        await until(pilot, lambda: inspector.tags is not None and app.jobs[first].report_location, "not described")
        await pilot.pause(0.2)
        facts = " ".join(str(w.render()) for w in inspector.query("#inspector-history Static"))
        report = f"s3://{bucket}/tui-reports/job-{first}/manifest.json"
        for expected in ("Complete", "4 of 4 done: 4 succeeded, 0 failed", report, "team=photo", "Active for",
                         f"arn:aws:iam::{ACCOUNT}:role/tui", "Priority 13"):  # fmt: skip
            assert expected in facts.replace("\n", " "), expected
        spec = " ".join(str(w.render()) for w in inspector.query("#inspector-spec Static"))
        assert "via=tui" in spec
        await pilot.press("o")  # the AWS-layout report, read from SeaweedFS through the app's S3 client
        await until(pilot, lambda: isinstance(app.screen, ReportScreen) and app.screen.summary is not None,
                    "report not read")  # fmt: skip
        assert app.screen.summary.total == 4
        await pilot.press("escape", "escape")
        await until(pilot, lambda: isinstance(app.screen, JobsScreen), "not back")

        app.screen.table.select(second)
        await pilot.press("c")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await until(pilot, lambda: status_of(app, second) == "Cancelled", "not cancelled")

        app.screen.table.select(failing)  # R: the plan first, then the failed rows become a new job's manifest
        await pilot.press("R")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "no retry plan shown")
        plan = str(app.screen.query_one("#confirm-question").render())
        assert "Retry 2 failed tasks of job" in plan and "S3PutObjectTagging" in plan, plan
        await pilot.press("y")
        await until(pilot, lambda: any((j.description or "").startswith("Retry of 2 failed tasks")
                                       for j in app.jobs.values()), "no retry job")  # fmt: skip
        await pilot.press("b")  # back to the local store: none of the served jobs there
        await until(pilot, lambda: app.sub_title == "local" and not app.jobs, "not switched")


async def test_a_throttled_backend_is_backed_off_and_shown(tmp_path, served, control, seaweed, s3, bucket, server_env):
    job_id = create(control, tmp_path, s3, bucket, "throttled")
    proxy = FaultProxy(f"http://127.0.0.1:{served.port}", max_lifetime=120)
    try:
        proxy.fail_next("too_many_requests")
        app = control_app(tmp_path, seaweed, proxy.url)
        async with app.run_test(size=SIZE) as pilot:
            line = app.screen.query_one("#jobs-status-line")
            await until(pilot, lambda: app.refresh_state is not None and app.refresh_state.problem, "no back-off")
            assert app.refresh_state.problem == "throttled"
            await pilot.pause(0.3)
            shown = str(app.screen.query_one("#jobs-empty").render())
            assert "throttled, next refresh in" in shown, shown
            assert len(proxy.requests) == 1  # nothing more was sent while backing off
            await until(pilot, lambda: status_of(app, job_id) == "Suspended", "not listed after the back-off")
            assert "throttled" not in str(line.render())
            assert proxy.counts["too_many_requests"] == 1
    finally:
        proxy.stop()


async def test_an_unreachable_backend_is_shown_not_fatal(tmp_path, seaweed, server_env):
    app = control_app(tmp_path, seaweed, "http://127.0.0.1:1")
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.refresh_state is not None and app.refresh_state.problem, "nothing shown")
        await pilot.pause(0.2)
        shown = str(app.screen.query_one("#jobs-empty").render())
        assert "unreachable" in shown and "next refresh in" in shown
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert {"backend: local", f"backend: AWS {ACCOUNT} us-east-1 at http://127.0.0.1:1"} <= set(titles)
        await pilot.press("b")
        await until(pilot, lambda: app.sub_title == "local", "cannot switch back")


async def test_the_wizard_submits_to_the_served_backend_asking_for_a_role_and_where_to_upload(
        tmp_path, served, control, seaweed, s3, bucket, server_env, monkeypatch):  # fmt: skip
    from textual.widgets import Input

    from tests.tui.test_wizard import add_tag, settle, to_operation_step

    keys = seed_objects(s3, bucket, ["wiz 1", "wiz 2"])
    write_manifest(tmp_path / "wizard.csv", bucket, keys)
    monkeypatch.chdir(tmp_path)
    app = control_app(tmp_path, seaweed, served.endpoint_url)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.refresh_state is not None and app.refresh_state.listed, "not listed")
        await to_operation_step(app, pilot, "wizard.csv")
        await add_tag(pilot, "wizard", "aws")
        await pilot.press("ctrl+n")
        await pilot.pause()
        app.screen.query_one("#opt-description", Input).value = "from the wizard"
        app.screen.query_one("#opt-report_bucket", Input).value = f"s3://{bucket}"
        await pilot.pause()
        await pilot.press("ctrl+n")
        await pilot.pause()
        await pilot.press("r")
        await until(pilot, lambda: "IAM role" in str(getattr(app.screen, "title_text", "")), "no role asked")
        app.screen.query_one(Input).value = f"arn:aws:iam::{ACCOUNT}:role/wizard"
        await pilot.press("enter")
        await until(pilot, lambda: "Upload the manifest" in str(getattr(app.screen, "title_text", "")),
                    "no upload place asked")  # fmt: skip
        app.screen.query_one(Input).value = f"s3://{bucket}/uploads/"
        await pilot.press("enter")
        await settle(app, pilot)
        await until(pilot, lambda: any(j.description == "from the wizard" for j in app.jobs.values()), "not listed")
    [job_id] = [j.id for j in app.jobs.values() if j.description == "from the wizard"]
    job = control.describe_job(AccountId=ACCOUNT, JobId=job_id)["Job"]
    assert job["RoleArn"] == f"arn:aws:iam::{ACCOUNT}:role/wizard"
    assert job["Manifest"]["Location"]["ObjectArn"].startswith(f"arn:aws:s3:::{bucket}/uploads/")
    assert job["Operation"] == {"S3PutObjectTagging": {"TagSet": [{"Key": "wizard", "Value": "aws"}]}}


async def test_a_running_local_job_is_handed_over_from_the_tui(tmp_path, served, control, seaweed, s3, bucket,
                                                               server_env):  # fmt: skip
    """`H` on a running local job: asks where, shows the plan, and the rest runs as a served job (each task once)."""
    import json

    from textual.widgets import Input

    from s3batch_tui.core.create import create_job
    from s3batch_tui.core.handover.record import load_record
    from s3batch_tui.core.spec.job import load_job_spec
    from s3batch_tui.core.store import Store
    from s3batch_tui.tui.screens.ask import AskScreen

    keys = seed_objects(s3, bucket, [f"hand {i:02d}" for i in range(40)])
    write_manifest(tmp_path / "hand.csv", bucket, keys)
    job_file = tmp_path / "hand.json"
    job_file.write_text(json.dumps({
        "Operation": {"S3PutObjectTagging": {"TagSet": [{"Key": "handed", "Value": "tui"}]}},
        "Manifest": {"Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]},
                     "Location": {"ObjectArn": f"file://{tmp_path / 'hand.csv'}"}},
        "Report": {"Enabled": True, "Bucket": f"arn:aws:s3:::{bucket}", "Format": "Report_CSV_20180820",
                   "ReportScope": "AllTasks", "Prefix": "tui-hand"},
        "Priority": 10, "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/tui", "ConfirmationRequired": False,
        "LocalOptions": {"MaxOperationsPerSecond": 4},
    }), encoding="utf-8")  # fmt: skip
    settings = Settings.load(tmp_path / "home")
    job_id = create_job(Store(settings.db_path), load_job_spec(job_file))
    app = build_app(settings, AwsSettings(endpoint_url=seaweed.endpoint_url), check_credentials=False,
                    control=ControlSettings(ACCOUNT, served.endpoint_url), offer_resume=False)  # fmt: skip
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: job_id in app.jobs, "local job not listed")
        app.screen.table.select(job_id)
        await pilot.press("r")
        await until(pilot, lambda: app.jobs[job_id].succeeded >= 2, "not running", timeout=60)
        await pilot.press("H")
        await until(pilot, lambda: isinstance(app.screen, AskScreen), "no destination asked")
        app.screen.query_one("#ask-input", Input).value = f"s3://{bucket}/tui-handover/"
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "no plan shown")
        plan = str(app.screen.query_one("#confirm-question").render())
        assert f"Hand over job {job_id}" in plan and served.endpoint_url in plan, plan
        await pilot.press("y")
        await until(pilot, lambda: status_of(app, job_id) == "Cancelled", "not handed over", timeout=60)
        assert "handed over to job" in app.jobs[job_id].status_reason
        await until(pilot, lambda: "handed over:" in messages(app), "no toast")
    record = load_record(settings.job_dir(job_id))
    deadline = time.monotonic() + 60
    while (rest := control.describe_job(AccountId=ACCOUNT, JobId=record.aws_job_id)["Job"])["Status"] != "Complete":
        assert time.monotonic() < deadline, rest["Status"]
        time.sleep(0.1)
    here = Store(settings.db_path).get(job_id)
    there = rest["ProgressSummary"]
    assert here.succeeded + there["NumberOfTasksSucceeded"] == 40 and here.failed == there["NumberOfTasksFailed"] == 0
    assert here.succeeded >= 2 and there["TotalNumberOfTasks"] == 40 - here.succeeded  # each task ran once
    assert all(s3.get_object_tagging(Bucket=bucket, Key=key)["TagSet"] == [{"Key": "handed", "Value": "tui"}]
               for key in keys)  # fmt: skip
