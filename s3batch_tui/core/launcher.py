"""Runs jobs in background processes (`s3batch-tui job run ID`), steered through the store.

The TUI runs each job in a child process of its own rather than in its own threads:
rendering never competes with the engine for the GIL, a crash of one cannot take the
other down, and a job can keep running headless after the TUI quits.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field

from s3batch_tui.core.clip import clip
from s3batch_tui.core.s3 import AwsSettings
from s3batch_tui.settings import Settings


@dataclass
class Launcher:
    """Starts runner processes and remembers the ones it started."""

    settings: Settings
    aws: AwsSettings = field(default_factory=AwsSettings)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    _reported: set[int] = field(default_factory=set)

    def command(self, job_id: str, workers: int | None = None) -> list[str]:
        """The command line of a runner for `job_id` (credentials travel in the environment).

        `workers` overrides the settings' worker count for this runner.
        """
        command = [sys.executable, "-m", "s3batch_tui", "--data-dir", str(self.settings.data_dir)]
        for flag, value in (("--endpoint-url", self.aws.endpoint_url), ("--profile", self.aws.profile),
                            ("--region", self.aws.region)):  # fmt: skip
            if value:
                command += [flag, value]
        return command + ["job", "run", job_id, "--workers", str(workers or self.settings.workers)]

    def start(self, job_id: str, workers: int | None = None) -> subprocess.Popen:
        """Start a runner for the job unless one started here is still alive (`workers`: see `command`)."""
        running = self.processes.get(job_id)
        if running is not None and running.poll() is None:
            return running
        log_path = self.settings.job_dir(job_id) / "runner.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                self.command(job_id, workers),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                env=os.environ.copy(),
                start_new_session=True,  # survives the TUI, and Ctrl-C in the TUI's terminal
            )
        self.processes[job_id] = process
        return process

    def alive(self) -> list[str]:
        """Ids of the jobs whose runner, started here, is still running."""
        return [job_id for job_id, process in self.processes.items() if process.poll() is None]

    def failed_runners(self) -> list[tuple[str, str]]:
        """(job id, why) for each runner started here that exited with an error; each told once.

        `why` is the exit code and the last line of the job's runner.log (the error it printed).
        """
        failed = []
        for job_id, process in list(self.processes.items()):
            code = process.poll()
            if code in (None, 0) or process.pid in self._reported:
                continue
            self._reported.add(process.pid)
            failed.append((job_id, f"the runner exited with code {code}: {self.last_log_line(job_id)}"))
        return failed

    def last_log_line(self, job_id: str) -> str:
        """The last non-empty line of the job's runner.log (capped), or a note that it has none."""
        try:
            with (self.settings.job_dir(job_id) / "runner.log").open("rb") as log:
                log.seek(0, os.SEEK_END)
                log.seek(max(0, log.tell() - 4096))
                lines = [line.strip() for line in log.read().decode("utf-8", "replace").splitlines() if line.strip()]
        except OSError:
            lines = []
        return clip(lines[-1]) if lines else "(no output)"

    def stop_all(self, timeout: float = 30.0) -> None:
        """Interrupt every runner started here: each pauses its job and exits (resumable later)."""
        running = [self.processes[job_id] for job_id in self.alive()]
        for process in running:
            process.send_signal(signal.SIGTERM)
        for process in running:
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()  # its job shows Paused (runner died) and resumes from its checkpoint
