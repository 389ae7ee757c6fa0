"""A runner that cannot start (here: a profile that does not exist) shows its error in the TUI."""

from __future__ import annotations

import pytest

from s3batch_tui.core.s3 import AwsSettings
from s3batch_tui.core.spec import load_job_spec
from s3batch_tui.core.status import JobStatus
from s3batch_tui.settings import Settings
from s3batch_tui.tui.app import build_app
from tests.integration.conftest import make_job  # noqa: F401 - a fixture
from tests.tui.snapshot_app import SIZE
from tests.tui.test_flows import status, until

pytestmark = pytest.mark.usefixtures("server_env")


async def test_r_with_a_missing_profile_fails_the_job_with_the_reason_and_says_so(tmp_path, make_job, s3, bucket):
    app = build_app(Settings.load(tmp_path / "home", 2), AwsSettings(profile="nosuch"), check_credentials=False)
    job_path, keys = make_job(3)
    async with app.run_test(size=SIZE) as pilot:
        job_id = app.actions.create(load_job_spec(job_path), run=False)
        await until(pilot, lambda: job_id in app.jobs)
        await pilot.press("r")
        await until(pilot, lambda: status(app, job_id) == JobStatus.FAILED)
        assert "the AWS profile 'nosuch' does not exist" in app.jobs[job_id].status_reason
        messages = [notification.message for notification in app._notifications]
        assert any("failed: --profile: the AWS profile 'nosuch' does not exist" in m for m in messages), messages
    assert s3.get_object_tagging(Bucket=bucket, Key=keys[0])["TagSet"] == []
