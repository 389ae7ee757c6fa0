"""A job created through `s3batch-tui serve` is an ordinary job: the TUI shows it live and steers it."""

from __future__ import annotations

import asyncio
import time

import pytest

from s3batch_tui.serve_process import ACCOUNT, start_serve, write_credentials
from s3batch_tui.settings import Settings
from s3batch_tui.tui.app import build_app
from tests.integration.helpers import seed_objects, write_manifest
from tests.tui.snapshot_app import SIZE

pytestmark = pytest.mark.xdist_group("serve")


async def wait_for_status(pilot, table, job_id: str, status: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not (job_id in [key.value for key in table.rows] and str(table.get_row(job_id)[3]) == status):
        assert time.monotonic() < deadline, f"the TUI did not show {job_id[:8]} as {status}"
        await pilot.pause(0.1)


async def test_the_tui_shows_a_served_job_and_confirms_it(tmp_path, seaweed, s3, bucket):
    server = start_serve(tmp_path / "home", seaweed, write_credentials(tmp_path / "credentials"))
    try:
        keys = seed_objects(s3, bucket, [f"tui {i}" for i in range(5)])
        write_manifest(tmp_path / "manifest.csv", bucket, keys)
        control = server.client()
        app = build_app(Settings.load(tmp_path / "home"), check_credentials=False)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause(0.3)
            table = app.screen.table
            assert table.row_count == 0
            created = await asyncio.to_thread(control.create_job, AccountId=ACCOUNT, ConfirmationRequired=True,
                Operation={"S3PutObjectTagging": {"TagSet": [{"Key": "via", "Value": "tui"}]}},
                Manifest={"Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]},
                          "Location": {"ObjectArn": f"file://{tmp_path / 'manifest.csv'}", "ETag": "local"}},
                Report={"Enabled": False}, Priority=10, RoleArn=f"arn:aws:iam::{ACCOUNT}:role/tui")  # fmt: skip
            job_id = created["JobId"]
            await wait_for_status(pilot, table, job_id, "Suspended")
            assert table.selected_job == job_id
            await pilot.press("y")  # confirm from the TUI: the server's runner acts on it
            await wait_for_status(pilot, table, job_id, "Complete")
        job = control.describe_job(AccountId=ACCOUNT, JobId=job_id)["Job"]
        assert job["ProgressSummary"]["NumberOfTasksSucceeded"] == 5
        assert s3.get_object_tagging(Bucket=bucket, Key="tui 4")["TagSet"] == [{"Key": "via", "Value": "tui"}]
    finally:
        server.stop()
