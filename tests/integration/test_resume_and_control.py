"""End to end through the CLI: crash and Ctrl-C resume, pause/resume/cancel/confirm from
another process, and one runner per job (DESIGN.md "Checkpoint = watermark", "One
runner per job"; SPEC.md sections 4-5).

Each test runs `python -m s3batch_tui ...` in subprocesses against the session's
SeaweedFS server, with the test's own S3BATCH_TUI_HOME, and steers the running job
from other subprocesses exactly as a user would.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from s3batch_tui.core.report import open_report
from tests.integration.helpers import (
    done,
    read_job_id,
    run_cli,
    seed_objects,
    show,
    start_cli,
    stop,
    tagging_job,
    wait_for_job,
    write_job,
    write_manifest,
)

OBJECTS = 400
RATE = 80.0  # ~5 s for the whole manifest: time to act mid-run, for jobs that then finish
SLOW_RATE = 25.0  # ~16 s: for jobs that are cancelled anyway, so acting mid-run is a sure thing
TAG_KEY = "s3batch-test"


# Long keys make long report rows, so the staging files' write buffers spill to disk
# between checkpoints and a crash leaves rows past the checkpointed length: resuming
# must cut them off, or they would be reported twice.
PADDING = "/".join(["p" * 200] * 2)  # SeaweedFS allows 255 bytes per path segment


def _key(i: int) -> str:
    # Mostly plain keys, with some that need URL-encoding in the manifest (space, plus,
    # percent, comma, non-ASCII) so "exactly once" is checked on the raw manifest keys.
    return f"odd/{i:04d} a+b ü 100%,x/{PADDING}" if i % 25 == 0 else f"resume/{i:04d}/{PADDING}"


@pytest.fixture(scope="module")
def objects(seaweed) -> tuple[str, list[str]]:
    """One bucket of OBJECTS small objects, shared by the module (each test tags with its own value)."""
    s3 = seaweed.client()
    name = f"resume-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=name)
    return name, seed_objects(s3, name, (_key(i) for i in range(OBJECTS)))


def _sample(entries: Counter) -> list[str]:
    """A few (bucket, raw key) entries, keys shortened, for assertion messages."""
    return [f"{raw[:40]}... x{count}" for (_bucket, raw), count in list(entries.items())[:3]]


class Setup:
    """A job file over (a prefix of) the shared objects, with its own tag value and report dir."""

    def __init__(self, tmp_path: Path, bucket: str, keys: list[str], rate: float | None = RATE,
                 confirmation_required: bool = False, name: str = "job") -> None:  # fmt: skip
        self.bucket = bucket
        self.keys = keys
        self.tag_value = uuid.uuid4().hex
        self.raw_keys = write_manifest(tmp_path / f"{name}-manifest.csv", bucket, keys)
        self.report_dir = tmp_path / f"{name}-reports"
        self.report_dir.mkdir()
        job = tagging_job(tmp_path / f"{name}-manifest.csv", self.report_dir, (TAG_KEY, self.tag_value), rate,
                          confirmation_required)  # fmt: skip
        self.job_file = write_job(tmp_path / f"{name}.json", job)

    @property
    def total(self) -> int:
        return len(self.keys)

    def report_rows(self, job: dict) -> list:
        location = job.get("Local", {}).get("ReportLocation")
        assert location, f"the job has no report: {job}"
        assert location.startswith(f"file://{self.report_dir}"), location
        return list(open_report(location).rows())

    def assert_report_exactly_once(self, job: dict) -> None:
        """The report lists every manifest entry exactly once, all succeeded; counts agree."""
        rows = self.report_rows(job)
        reported = Counter((row.bucket, row.key) for row in rows)
        expected = Counter((self.bucket, raw) for raw in self.raw_keys)
        duplicates = +(reported - expected)
        missing = +(expected - reported)
        assert not duplicates, f"reported more than once, or not in the manifest: {_sample(duplicates)}"
        assert not missing, f"{len(missing)} manifest entries missing from the report: {_sample(missing)}"
        assert all(row.task_status == "succeeded" for row in rows)
        summary = job["ProgressSummary"]
        assert summary["TotalNumberOfTasks"] == self.total
        assert summary["NumberOfTasksSucceeded"] == self.total
        assert summary["NumberOfTasksFailed"] == 0

    def tagged_keys(self, s3) -> set[str]:
        """Keys (decoded) whose object carries this setup's tag value."""

        def value(key: str) -> str | None:
            tag_set = s3.get_object_tagging(Bucket=self.bucket, Key=key)["TagSet"]
            return {t["Key"]: t["Value"] for t in tag_set}.get(TAG_KEY)

        with ThreadPoolExecutor(16) as pool:
            return {key for key, v in zip(self.keys, pool.map(value, self.keys), strict=True) if v == self.tag_value}


@pytest.fixture
def tagging(tmp_path, objects) -> Setup:
    bucket, keys = objects
    return Setup(tmp_path, bucket, keys)


@pytest.fixture
def slow_tagging(tmp_path, objects) -> Setup:
    bucket, keys = objects
    return Setup(tmp_path, bucket, keys, rate=SLOW_RATE)


def succeeded(n: int):
    return lambda job: job["ProgressSummary"]["NumberOfTasksSucceeded"] >= n


def status_is(*statuses: str):
    return lambda job: job["Status"] in statuses


def start_run(seaweed, tmp_path: Path, *args: str, name: str = "run"):
    """`run ARGS` in the background; returns (process, job id, stderr path)."""
    stderr_path = tmp_path / f"{name}.stderr"
    process = start_cli(seaweed, "run", *args, stderr_path=stderr_path)
    try:
        job_id = read_job_id(process)
    except AssertionError as exc:
        stop(process)
        raise AssertionError(f"{exc}; stderr:\n{stderr_path.read_text()}") from None
    except BaseException:
        stop(process)
        raise
    return process, job_id, stderr_path


def finish_with_job_run(seaweed, tagging: Setup, job_id: str) -> dict:
    """`job run ID` to the end: exit 0, Complete, every entry reported exactly once."""
    result = run_cli(seaweed, "job", "run", job_id, timeout=90)
    assert result.returncode == 0, result.stderr
    assert "Status: Complete" in result.stdout
    job = show(seaweed, job_id)
    assert job["Status"] == "Complete", job
    tagging.assert_report_exactly_once(job)
    return job


def kill_9_at(process, job_id: str, at_least: int) -> None:
    """SIGKILL the runner once the store shows `at_least` tasks succeeded; reap it.

    The kill waits half a second past the checkpoint that showed the count, so it lands
    between two checkpoints: tasks ran that no checkpoint holds (they run again on
    resume), and report rows past the checkpointed staging lengths are on disk.
    """
    try:
        wait_for_job(job_id, succeeded(at_least), what=f">= {at_least} tasks succeeded", process=process)
        time.sleep(0.5)
        os.kill(process.pid, signal.SIGKILL)
        assert process.wait(timeout=10) == -signal.SIGKILL
    finally:
        stop(process)


def assert_paused_by_death(seaweed, job_id: str, pid: int, at_least: int, total: int) -> dict:
    """`job show` notices the dead runner: Paused, with a reason naming its pid."""
    job = show(seaweed, job_id)
    assert job["Status"] == "Paused", job
    reason = job["StatusUpdateReason"]
    assert f"pid {pid}" in reason and "exited" in reason, reason
    assert at_least <= done(job) < total, "the kill should land mid-run"
    return job


@pytest.mark.slow
def test_kill_9_mid_run_shows_paused_and_job_run_finishes_each_entry_once(seaweed, tagging, tmp_path):
    process, job_id, _ = start_run(seaweed, tmp_path, str(tagging.job_file))
    kill_9_at(process, job_id, 100)
    first = assert_paused_by_death(seaweed, job_id, process.pid, 100, tagging.total)

    # A crash of the resumed runner too: the second resume starts from a checkpoint
    # that a resumed run wrote (its resume point, done set and staging lengths).
    process = start_cli(seaweed, "job", "run", job_id, stderr_path=tmp_path / "resume1.stderr")
    kill_9_at(process, job_id, done(first) + 40)
    assert_paused_by_death(seaweed, job_id, process.pid, done(first) + 40, tagging.total)

    finish_with_job_run(seaweed, tagging, job_id)
    assert tagging.tagged_keys(seaweed.client()) == set(tagging.keys)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_ctrl_c_pauses_with_exit_130_and_job_run_finishes_each_entry_once(seaweed, tagging, tmp_path, signum):
    """Ctrl-C (and SIGTERM, handled alike) pauses the job cleanly; `job run` finishes it."""
    process, job_id, stderr_path = start_run(seaweed, tmp_path, str(tagging.job_file))
    try:
        wait_for_job(job_id, succeeded(100), what=">= 100 tasks succeeded", process=process)
        os.kill(process.pid, signum)
        assert process.wait(timeout=30) == 130, stderr_path.read_text()
        stdout = process.stdout.read()
    finally:
        stop(process)

    assert "Interrupted: pausing the job" in stderr_path.read_text()
    assert "Status: Paused" in stdout
    job = show(seaweed, job_id)
    assert job["Status"] == "Paused", job
    assert "interrupted" in job["StatusUpdateReason"], job["StatusUpdateReason"]
    assert 100 <= done(job) < tagging.total, "the signal should land mid-run"

    finish_with_job_run(seaweed, tagging, job_id)
    assert tagging.tagged_keys(seaweed.client()) == set(tagging.keys)


def test_pause_and_resume_from_another_process(seaweed, tagging, tmp_path):
    process, job_id, stderr_path = start_run(seaweed, tmp_path, str(tagging.job_file))
    try:
        wait_for_job(job_id, lambda j: status_is("Active")(j) and done(j) > 0,
                     what="Active with progress", process=process)  # fmt: skip
        paused = run_cli(seaweed, "job", "pause", job_id)
        assert paused.returncode == 0, paused.stderr
        job = wait_for_job(job_id, status_is("Paused"), what="Paused", process=process)
        assert job["StatusUpdateReason"] == "paused by the user"
        held = done(job)
        assert held < tagging.total, "the pause should land mid-run"

        time.sleep(1.0)
        job = show(seaweed, job_id)
        assert job["Status"] == "Paused"
        assert done(job) == held, "tasks ran while the job was paused"
        assert process.poll() is None, "the runner should wait, paused, for a resume"

        resumed = run_cli(seaweed, "job", "resume", job_id)
        assert resumed.returncode == 0, resumed.stderr
        assert "requested" in resumed.stdout  # the live runner acts on it
        assert process.wait(timeout=60) == 0, stderr_path.read_text()
    finally:
        stop(process)

    job = show(seaweed, job_id)
    assert job["Status"] == "Complete", job
    tagging.assert_report_exactly_once(job)


def test_cancel_mid_run_reports_exactly_the_tasks_that_ran(seaweed, slow_tagging, tmp_path):
    process, job_id, stderr_path = start_run(seaweed, tmp_path, str(slow_tagging.job_file))
    try:
        wait_for_job(job_id, lambda j: status_is("Active")(j) and done(j) >= 20,
                     what="Active with >= 20 tasks done", process=process)  # fmt: skip
        cancelled = run_cli(seaweed, "job", "cancel", job_id)
        assert cancelled.returncode == 0, cancelled.stderr
        assert process.wait(timeout=30) == 1, stderr_path.read_text()
    finally:
        stop(process)

    job = show(seaweed, job_id)
    assert job["Status"] == "Cancelled", job
    count = job["ProgressSummary"]["NumberOfTasksSucceeded"]
    assert job["ProgressSummary"]["NumberOfTasksFailed"] == 0
    assert 20 <= count < slow_tagging.total
    rows = slow_tagging.report_rows(job)
    reported = Counter(row.key for row in rows)
    assert max(reported.values()) == 1, f"reported twice: {[k[:40] for k, n in reported.items() if n > 1][:3]}"
    assert all(row.task_status == "succeeded" and row.bucket == slow_tagging.bucket for row in rows)
    assert len(rows) == count
    assert set(reported) <= set(slow_tagging.raw_keys)
    # In-flight tasks finish and are recorded before the report: what was applied is
    # exactly what the report lists.
    tagged = slow_tagging.tagged_keys(seaweed.client())
    assert {row.decoded_key for row in rows} == tagged


def test_cancel_a_paused_job_nobody_runs_writes_its_report(seaweed, slow_tagging, tmp_path):
    process, job_id, _ = start_run(seaweed, tmp_path, str(slow_tagging.job_file))
    kill_9_at(process, job_id, 20)
    job = assert_paused_by_death(seaweed, job_id, process.pid, 20, slow_tagging.total)
    assert "ReportLocation" not in job.get("Local", {})

    result = run_cli(seaweed, "job", "cancel", job_id)
    # The cancelling command finishes the job itself; it did what was asked, so 0.
    assert result.returncode == 0, result.stderr
    assert "writing the report" in result.stderr
    assert "Status: Cancelled" in result.stdout

    job = show(seaweed, job_id)
    assert job["Status"] == "Cancelled", job
    count = job["ProgressSummary"]["NumberOfTasksSucceeded"]
    assert 20 <= count < slow_tagging.total
    rows = slow_tagging.report_rows(job)
    assert len(rows) == count
    reported = Counter(row.key for row in rows)
    assert max(reported.values()) == 1, f"reported twice: {[k[:40] for k, n in reported.items() if n > 1][:3]}"
    assert set(reported) <= set(slow_tagging.raw_keys)
    assert all(row.task_status == "succeeded" for row in rows)


def test_confirmation_waits_for_job_confirm_and_yes_skips_the_wait(seaweed, objects, tmp_path):
    bucket, keys = objects
    waiting = Setup(tmp_path, bucket, keys[:30], rate=None, confirmation_required=True, name="confirm")
    process, job_id, stderr_path = start_run(seaweed, tmp_path, str(waiting.job_file))
    try:
        job = wait_for_job(job_id, status_is("Suspended"), what="Suspended", process=process)
        assert done(job) == 0
        deadline = time.monotonic() + 30
        while "Waiting for confirmation" not in stderr_path.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert f"Waiting for confirmation: s3batch-tui job confirm {job_id}" in stderr_path.read_text()
        time.sleep(0.5)
        assert process.poll() is None, "the runner should wait for the confirmation"
        assert show(seaweed, job_id)["Status"] == "Suspended"

        confirmed = run_cli(seaweed, "job", "confirm", job_id)
        assert confirmed.returncode == 0, confirmed.stderr
        assert process.wait(timeout=30) == 0, stderr_path.read_text()
    finally:
        stop(process)
    job = show(seaweed, job_id)
    assert job["Status"] == "Complete", job
    waiting.assert_report_exactly_once(job)

    confirmed_up_front = Setup(tmp_path, bucket, keys[30:60], rate=None, confirmation_required=True, name="yes")
    result = run_cli(seaweed, "run", "--yes", str(confirmed_up_front.job_file), timeout=30)
    assert result.returncode == 0, result.stderr
    assert "Waiting for confirmation" not in result.stderr
    job = show(seaweed, result.stdout.splitlines()[0])
    assert job["Status"] == "Complete", job
    assert job["ConfirmationRequired"] is True
    confirmed_up_front.assert_report_exactly_once(job)


def test_second_job_run_while_the_runner_lives_is_refused(seaweed, slow_tagging, tmp_path):
    process, job_id, stderr_path = start_run(seaweed, tmp_path, str(slow_tagging.job_file))
    try:
        wait_for_job(job_id, lambda j: status_is("Active")(j) and done(j) > 0,
                     what="Active with progress", process=process)  # fmt: skip
        second = run_cli(seaweed, "job", "run", job_id, timeout=30)
        assert second.returncode == 2, (second.stdout, second.stderr)
        assert "another process" in second.stderr, second.stderr

        # The refusal left the job to its runner, which goes on.
        job = show(seaweed, job_id)
        assert job["Status"] == "Active", job
        assert process.poll() is None
        progressed = wait_for_job(job_id, lambda j: done(j) > done(job), what="more progress",
                                  process=process)  # fmt: skip
        assert progressed["Status"] == "Active"

        cancelled = run_cli(seaweed, "job", "cancel", job_id)
        assert cancelled.returncode == 0, cancelled.stderr
        assert process.wait(timeout=30) == 1, stderr_path.read_text()
    finally:
        stop(process)
    assert show(seaweed, job_id)["Status"] == "Cancelled"
