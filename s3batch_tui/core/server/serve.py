"""Starting and stopping the server: keys, socket, uvicorn, the served jobs.

uvicorn gives keep-alive, timeouts, a cap on concurrent connections and TLS. The
server binds its socket before resuming jobs, so a port in use changes nothing, and
on SIGTERM or Ctrl-C it stops answering, then pauses its jobs (resumed next start).
"""

from __future__ import annotations

import ipaddress
import os
import re
import signal
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from s3batch_tui.core.engine.ratelimit import RateLimiter
from s3batch_tui.core.errors import InputError
from s3batch_tui.core.s3 import ClientFactory
from s3batch_tui.core.server.app import ServerApp
from s3batch_tui.core.server.auth import Verifier, load_keys
from s3batch_tui.core.server.handlers import JobHandlers
from s3batch_tui.core.server.runner import ServedJobs
from s3batch_tui.core.store import Store
from s3batch_tui.settings import ENV_PREFIX, Settings

CREDENTIALS_ENV = f"{ENV_PREFIX}SERVE_CREDENTIALS"
DEFAULT_ACCOUNT = "000000000000"
MAX_CONNECTIONS = 256
KEEP_ALIVE_SECONDS = 15


@dataclass(frozen=True)
class ServeOptions:
    """What `serve` was asked for."""

    host: str = "127.0.0.1"
    port: int = 0
    account_id: str = DEFAULT_ACCOUNT
    credentials_file: Path | None = None
    insecure_no_auth: bool = False
    certfile: Path | None = None
    keyfile: Path | None = None
    max_requests_per_second: float | None = None


def request_budget(options: ServeOptions) -> RateLimiter | None:
    """The account's request budget (`--max-requests-per-second`), None when unlimited."""
    rate = options.max_requests_per_second
    if rate is None:
        return None
    if not rate > 0 or rate == float("inf"):
        raise InputError(f"expected a number of requests per second above 0, got {rate!r}", "--max-requests-per-second")
    return RateLimiter(rate)


def make_verifier(options: ServeOptions) -> Verifier | None:
    """The signature checker from `--credentials-file` or the environment; None only when allowed."""
    if not re.fullmatch(r"\d{12}", options.account_id):
        raise InputError(f"expected 12 digits, got {options.account_id!r}", "--account-id")
    if (options.certfile is None) != (options.keyfile is None):
        raise InputError("give both --certfile and --keyfile, or neither", "--certfile/--keyfile")
    path = options.credentials_file or (Path(os.environ[CREDENTIALS_ENV]) if os.environ.get(CREDENTIALS_ENV) else None)
    if path is not None:
        return Verifier(load_keys(path.expanduser()))
    if options.insecure_no_auth:
        return None
    raise InputError(
        "serve needs the keys its clients sign with: --credentials-file PATH (an AWS credentials file) or "
        f"{CREDENTIALS_ENV}; --insecure-no-auth accepts unsigned requests from anyone who can reach the port",
        "serve",
    )


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def serve(settings: Settings, options: ServeOptions, clients: ClientFactory) -> int:
    """Serve until SIGTERM or Ctrl-C; returns the exit code (0 after a clean stop)."""
    verifier = make_verifier(options)
    budget = request_budget(options)
    config = uvicorn.Config(
        None, host=options.host, port=options.port, lifespan="off", proxy_headers=False, server_header=False,
        timeout_keep_alive=KEEP_ALIVE_SECONDS, limit_concurrency=MAX_CONNECTIONS, log_level="warning",
        ssl_certfile=options.certfile, ssl_keyfile=options.keyfile,
    )  # fmt: skip
    try:
        sock = config.bind_socket()
    except SystemExit:  # uvicorn logged why (e.g. the port is in use)
        raise InputError(f"cannot listen on {options.host}:{options.port}", "--host/--port") from None
    # Accepted connections inherit TCP_NODELAY from this socket. Without it, a response's
    # header and body segments meet Nagle and delayed ACKs: 40 ms per request (measured).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.listen(config.backlog)  # clients connecting while jobs resume wait in the backlog, not refused
    store = Store(settings.db_path)
    served = ServedJobs(settings, store, clients)
    config.app = ServerApp(JobHandlers(store, served, options.account_id), options.account_id, verifier, budget)
    server = uvicorn.Server(config)
    stops = []
    previous = {sig: signal.signal(sig, lambda s, f: stops.append(s)) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        resumed = served.resume_all()
        if resumed:  # before "listening": whoever waits for that line (tests, scripts) sees this one too
            print(f"resumed {len(resumed)} job(s): {', '.join(resumed)}", flush=True)
        scheme = "https" if options.certfile else "http"
        port = sock.getsockname()[1]
        print(f"s3batch-tui serve: listening on {scheme}://{options.host}:{port} (account {options.account_id})",
              flush=True)  # fmt: skip
        if budget is not None:
            print(f"answering at most {budget.rate:g} requests per second (TooManyRequestsException above)", flush=True)
        if verifier is None:
            print("WARNING: --insecure-no-auth: requests are not authenticated", file=sys.stderr, flush=True)
        elif not _is_loopback(options.host) and options.certfile is None:
            print("WARNING: serving beyond loopback without TLS (--certfile/--keyfile)", file=sys.stderr, flush=True)
        server.run(sockets=[sock])
    finally:
        print("s3batch-tui serve: stopping; pausing running jobs (resumed on the next start)...", flush=True)
        served.stop()
        sock.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
