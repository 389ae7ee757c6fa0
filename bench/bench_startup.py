"""Start-up: `s3batch-tui --version`, and how soon `run` sends its first task's request.

Each figure is the median of N fresh processes, interleaved with a peer (wall time, and
the process's own CPU time, which a loaded machine disturbs less):

* `--version` of the installed command against a bare `python -c pass` (the interpreter's
  own start-up, which no command can beat);
* `run` of a small tagging job (10 objects on a local SeaweedFS) against a bare boto3
  script that tags the same objects. A TCP proxy on loopback in front of the server
  notes when each process's first PutObjectTagging request arrives; times count from
  just before the process is started. For `run`, the job's status history in the store
  also shows where that time goes (job stored, Preparing, Active).

`--other-tree DIR` also runs `run` with the code of another checkout (a git worktree of
the commit to compare with) in every round, interleaved, so a change is measured
against its base under the same load.

    python bench/bench_startup.py [--rounds 7] [--objects 10] [--other-tree DIR]
"""

from __future__ import annotations

import argparse
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_tagging import job_file, seed  # noqa: E402
from side_by_side import child_env  # noqa: E402

from s3batch_tui.core.status import JobStatus  # noqa: E402
from s3batch_tui.core.store import Store  # noqa: E402
from s3batch_tui.servers import free_ports, start_seaweedfs  # noqa: E402

# The peer for `run`: the least a script needs before its first tagging request.
BARE_TAGGING = r"""
import sys, urllib.parse
import boto3
client = boto3.client("s3")
for line in open(sys.argv[1], encoding="utf-8"):
    bucket, key = line.rstrip("\n").split(",")
    client.put_object_tagging(Bucket=bucket, Key=urllib.parse.unquote_plus(key),
                              Tagging={"TagSet": [{"Key": "round", "Value": "bare"}]})
"""


class FirstRequestProxy:
    """A loopback TCP proxy that records when a request carrying `marker` first passes."""

    def __init__(self, upstream_port: int, marker: bytes = b"?tagging") -> None:
        self.upstream_port = upstream_port
        self.marker = marker
        self.first_seen: float | None = None
        self._lock = threading.Lock()
        (self.port,) = free_ports(1)
        self._listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, daemon=True).start()

    def reset(self) -> None:
        """Forget the last request seen (call before each process)."""
        with self._lock:
            self.first_seen = None

    def _accept(self) -> None:
        while True:
            client, _ = self._listener.accept()
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, watch: bool) -> None:
        try:
            while chunk := source.recv(65536):
                if watch and self.marker in chunk:
                    now = time.time()
                    with self._lock:
                        if self.first_seen is None:
                            self.first_seen = now
                target.sendall(chunk)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


def installed_command() -> list[str]:
    """The console script beside this interpreter, else `python -m s3batch_tui`."""
    script = Path(sys.executable).with_name("s3batch-tui")
    return [str(script)] if script.exists() else [sys.executable, "-m", "s3batch_tui"]


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def seconds_to_exit(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds from process start to exit, and the CPU seconds the process used."""
    cpu, start = children_cpu(), time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True)
    return time.perf_counter() - start, children_cpu() - cpu


def first_request(command: list[str], env: dict[str, str], proxy: FirstRequestProxy) -> tuple[float, ...]:
    """Seconds from process start to its first tagging request and to its exit; its CPU seconds;
    its start time and stdout (for the phases of a `run`)."""
    proxy.reset()
    cpu, start = children_cpu(), time.time()
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    end = time.time()
    if result.returncode != 0 or proxy.first_seen is None:
        sys.exit(f"{command[:4]} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return proxy.first_seen - start, end - start, children_cpu() - cpu, start, result.stdout


def run_phases(store: Store, start: float, stdout: str) -> tuple[float, float, float]:
    """Seconds from process start until the job was stored, turned Preparing, turned Active."""
    job_id = stdout.splitlines()[0]
    history = {status: at for status, at, _ in store.history(job_id)}
    return (store.get(job_id).created_at - start, history[JobStatus.PREPARING] - start,
            history[JobStatus.ACTIVE] - start)  # fmt: skip


def median_ms(values) -> str:
    return f"{statistics.median(values) * 1000:5.0f} ms (min {min(values) * 1000:.0f}, max {max(values) * 1000:.0f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--objects", type=int, default=10)
    parser.add_argument("--other-tree", help="a checkout whose `run` is measured too (its code on PYTHONPATH)")
    args = parser.parse_args()
    ours = installed_command()
    env = child_env({})
    for command in ([*ours, "--version"], [sys.executable, "-c", "pass"]):
        seconds_to_exit(command, env)  # untimed: compiles any bytecode not yet cached
    version: dict[str, list[tuple[float, float]]] = {"s3batch-tui --version": [], "python -c pass": []}
    for round_no in range(args.rounds):
        peers = [("s3batch-tui --version", [*ours, "--version"]), ("python -c pass", [sys.executable, "-c", "pass"])]
        for label, command in peers if round_no % 2 == 0 else peers[::-1]:
            version[label].append(seconds_to_exit(command, env))

    workdir = Path(tempfile.mkdtemp(prefix="s3batch-bench-startup-"))
    runs: dict[str, list[tuple[float, ...]]] = {"s3batch-tui run": [], "bare boto3 script": []}
    other = "run, other tree"
    if args.other_tree:
        runs[other] = []
    phases: dict[str, list[tuple[float, float, float]]] = {label: [] for label in runs if label != "bare boto3 script"}
    with start_seaweedfs(workdir / "weed") as server:
        manifest = seed(server.client(), args.objects, workdir)
        proxy = FirstRequestProxy(int(server.endpoint_url.rsplit(":", 1)[1]))
        env = child_env(server.env() | {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{proxy.port}",
                                    "S3BATCH_TUI_HOME": str(workdir / "home")})  # fmt: skip
        other_env = env | {"PYTHONPATH": str(Path(args.other_tree).resolve())} if args.other_tree else env
        envs = {"s3batch-tui run": env, "bare boto3 script": env, other: other_env}
        for round_no in range(-1, args.rounds):  # round -1 is untimed: it compiles what is not cached yet
            peers = [
                ("s3batch-tui run", [*ours, "run", str(job_file(manifest, workdir, round_no))]),
                ("bare boto3 script", [sys.executable, "-c", BARE_TAGGING, str(manifest)]),
                (other, [*ours, "run", str(job_file(manifest, workdir, round_no))]),
            ][: len(runs)]  # fmt: skip
            shift = round_no % len(peers)
            for label, command in peers[shift:] + peers[:shift]:
                measured = first_request(command, envs[label], proxy)
                if round_no < 0:
                    continue
                runs[label].append(measured)
                if label in phases:
                    phases[label].append(run_phases(Store(workdir / "home" / "jobs.sqlite3"), *measured[3:]))
            if round_no < 0:
                continue
            print(f"round {round_no + 1}: " + ", ".join(f"{k} first task {v[-1][0] * 1000:.0f} ms" for k, v in runs.items()),
                  flush=True)  # fmt: skip

    print(f"\nMedian of {args.rounds} fresh processes each, interleaved ({' '.join(ours)})")
    for label, values in version.items():
        walls, cpus = zip(*values, strict=True)
        print(f"  {label.ljust(22)} exit after {median_ms(walls)}; CPU {median_ms(cpus)}")
    for label, values in runs.items():
        firsts, walls, cpus, *_ = zip(*values, strict=True)
        print(f"  {label.ljust(22)} first task {median_ms(firsts)}; exit after {median_ms(walls)}; CPU {median_ms(cpus)}")
    for label, values in phases.items():
        stored, preparing, active = (statistics.median(p) * 1000 for p in zip(*values, strict=True))
        print(f"  {label} phases: job stored {stored:.0f} ms, Preparing {preparing:.0f} ms, Active {active:.0f} ms")
    if args.other_tree:
        ratio = statistics.median(v[0] for v in runs["s3batch-tui run"]) / statistics.median(v[0] for v in runs[other])
        print(f"  first task, this tree / other tree: {ratio:.2f}")
    print("Targets: --version under 200 ms; first task of `run` within 1000 ms")


if __name__ == "__main__":
    main()
