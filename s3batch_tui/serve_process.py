"""`s3batch-tui serve` as a child process, and boto3 `s3control` clients for it.

For the tests, the benchmark and anyone trying the server locally. AWS SDKs send
S3 Control requests to `{AccountId}.{endpoint host}`; where `*.localhost` does not
resolve, the client uses the server itself as its HTTP proxy: the request then goes to
the server's port whatever the host name, and the server accepts any Host.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from s3batch_tui.servers import LocalS3Server, free_ports

SERVE_KEY = "serve-test-key"
SERVE_SECRET = "serve-test-secret-not-for-production"
ACCOUNT = "000000000000"


def write_credentials(path: Path, key: str = SERVE_KEY, secret: str = SERVE_SECRET) -> Path:
    """An AWS shared-credentials file with one key the server accepts."""
    path.write_text(f"[client]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n", encoding="utf-8")
    return path


@dataclass
class ServeProcess:
    """A running `s3batch-tui serve` over a data dir, running its jobs against `s3`."""

    process: subprocess.Popen
    port: int
    data_dir: Path
    log: Path

    @property
    def endpoint_url(self) -> str:
        """What clients are given as `--endpoint-url`."""
        return f"http://localhost:{self.port}"

    @property
    def proxy(self) -> str:
        """The server as an HTTP proxy (see the module docstring)."""
        return f"http://127.0.0.1:{self.port}"

    def client(self, key: str = SERVE_KEY, secret: str = SERVE_SECRET, **config):
        """A boto3 `s3control` client signing with `key`/`secret`."""
        import boto3
        from botocore.config import Config

        options = {"proxies": {"http": self.proxy}, "retries": {"total_max_attempts": 1}} | config
        return boto3.client(
            "s3control", endpoint_url=self.endpoint_url, region_name="us-east-1",
            aws_access_key_id=key, aws_secret_access_key=secret, config=Config(**options),
        )  # fmt: skip

    def cli_env(self) -> dict[str, str]:
        """Environment for the AWS CLI talking to this server."""
        return {"AWS_ACCESS_KEY_ID": SERVE_KEY, "AWS_SECRET_ACCESS_KEY": SERVE_SECRET, "AWS_DEFAULT_REGION": "us-east-1",
                "HTTP_PROXY": self.proxy, "http_proxy": self.proxy, "NO_PROXY": "", "no_proxy": ""}  # fmt: skip

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> int:
        """Signal the server and wait for it; returns its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def start_serve(
    data_dir: Path,
    s3: LocalS3Server,
    credentials: Path,
    workers: int = 4,
    timeout: float = 30,
    port: int | None = None,
    extra: list[str] | None = None,
    python: str = sys.executable,
) -> ServeProcess:
    """Start `s3batch-tui serve` on a free loopback port (`extra`: more flags); returns once it listens.

    `python`: the interpreter whose installed package serves (e.g. a venv holding the wheel).
    """
    port = port or free_ports(1)[0]
    log = data_dir / f"serve-{port}-{time.time_ns()}.log"
    data_dir.mkdir(parents=True, exist_ok=True)
    env = os.environ.copy() | s3.env()
    command = [python, "-m", "s3batch_tui", "--data-dir", str(data_dir), "serve", "--port", str(port),
               "--workers", str(workers), "--credentials-file", str(credentials), *(extra or [])]  # fmt: skip
    with log.open("ab") as out:
        process = subprocess.Popen(command, stdout=out, stderr=out, stdin=subprocess.DEVNULL, env=env)
    served = ServeProcess(process, port, data_dir, log)
    deadline = time.monotonic() + timeout
    while b"listening on" not in log.read_bytes():
        if process.poll() is not None or time.monotonic() > deadline:
            served.stop(signal.SIGKILL)
            raise RuntimeError(f"serve did not start:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.05)
    return served
