"""Send signed S3 requests over awscrt: `start` without a thread per request, `send` blocking.

awscrt's HTTP client is asynchronous: a request is signed and written by the caller,
and its answer is handed to a callback on awscrt's event-loop thread. The engine starts
requests that way (no Python thread waits per request, which is where most of the CPU
went); `send` is the same path with the caller waiting for the answer.

Credentials come from the boto3 session's own chain (profiles, SSO, assume-role,
instance metadata), frozen per signing so refreshable credentials refresh as in boto3.
Connection failures become botocore's exceptions, so retries classify them as for boto3.
"""

from __future__ import annotations

import ctypes
import random
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from typing import Any

from awscrt import auth, http, io
from botocore.exceptions import ConnectionClosedError, EndpointConnectionError

from s3batch_tui.core.lean.addressing import BucketTarget

CONNECT_TIMEOUT_MS = 10_000
RESPONSE_TIMEOUT_S = 60.0
WATCH_EVERY_S = 1.0
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
_NO_LENGTH = frozenset({"GET", "HEAD", "OPTIONS"})

_kept_thread_states: set[int] = set()
_ids = random.Random()


def _invocation_id() -> str:
    """A version-4 UUID, as boto3's invocation id, from a seeded generator.

    The id must be unique, not secret: `uuid.uuid4()` reads os.urandom, a syscall that
    lets go of the GIL on every request the engine starts.
    """
    return str(uuid.UUID(int=_ids.getrandbits(128), version=4))


def keep_thread_state() -> None:
    """Give the calling awscrt event-loop thread a Python thread state for its whole life.

    awscrt calls into Python from its own C threads with PyGILState_Ensure/Release; with
    no thread state kept, each callback creates one and frees it again (with its frame
    stack, an mmap/munmap), about 0.1 ms of CPU per request. One unmatched Ensure keeps
    the thread's state, as CPython documents for long-lived foreign threads.
    """
    ident = threading.get_ident()
    if ident not in _kept_thread_states:
        _kept_thread_states.add(ident)
        ctypes.pythonapi.PyGILState_Ensure()


@dataclass(slots=True)
class Answer:
    """One HTTP answer: status, headers (lower-case names) and body."""

    status: int
    headers: dict[str, str]
    body: bytes


Done = Callable[[Answer | None, BaseException | None], None]
"""Called once per started request: (answer, None), or (None, a botocore connection error)."""


class CrtSender:
    """Signs with SigV4 (awscrt) and sends on a pool of keep-alive connections per host."""

    def __init__(self, credentials: Any, region: str, user_agent: str, ca_bundle: str | None = None,
                 sdk_request: str | None = None, unsigned_payload: bool = False) -> None:  # fmt: skip
        self._credentials = credentials  # botocore Credentials (refreshable or not)
        self._region = region
        self._user_agent = user_agent
        self._sdk_request = sdk_request
        # botocore's rule: an explicit `payload_signing_enabled` wins; else these small bodies are signed.
        self._unsigned_payload = unsigned_payload
        self._ca_bundle = ca_bundle
        self._tls: io.ClientTlsContext | None = None  # made at the first https connection (reads the CA store)
        self._socket = io.SocketOptions()
        self._socket.connect_timeout_ms = CONNECT_TIMEOUT_MS
        self._signing: tuple[Any, int, dict[str, auth.AwsSigningConfig]] | None = None
        self._idle: dict[str, list[http.HttpClientConnection]] = {}
        self._busy: dict[int, tuple[float, http.HttpClientConnection]] = {}  # id(exchange) -> deadline
        self._lock = threading.Lock()
        self._watchdog: threading.Thread | None = None

    def _config(self, body_sha256: str) -> auth.AwsSigningConfig:
        """The signing config for now (X-Amz-Date has whole seconds) and the current credentials.

        botocore freezes (and when due, refreshes) the credentials; a config is made again
        only when the second or the credentials changed, so signing never calls into Python.
        """
        frozen = self._credentials.get_frozen_credentials()
        second = int(time.time())
        signing = self._signing
        if signing is None or signing[0] != frozen or signing[1] != second:
            signing = self._signing = (frozen, second, {})
        config = signing[2].get(body_sha256)
        if config is None:
            provider = auth.AwsCredentialsProvider.new_static(frozen.access_key, frozen.secret_key, frozen.token)
            config = signing[2][body_sha256] = auth.AwsSigningConfig(
                credentials_provider=provider, region=self._region, service="s3",
                date=datetime.fromtimestamp(second, UTC), use_double_uri_encode=False,
                should_normalize_uri_path=False, signed_body_value=body_sha256,
                signed_body_header_type=auth.AwsSignedBodyHeaderType.X_AMZ_CONTENT_SHA_256,
            )  # fmt: skip
        return config

    def send(self, method: str, target: BucketTarget, path: str, headers: list[tuple[str, str]], body: bytes,
             body_sha256: str) -> Answer:  # fmt: skip
        """Sign and send one request and wait for its answer; raise botocore's connection errors."""
        finished = threading.Lock()
        finished.acquire()
        result: list[Any] = []

        def done(answer: Answer | None, error: BaseException | None) -> None:
            result.extend((answer, error))
            finished.release()

        self.start(method, target, path, headers, body, body_sha256, done)
        finished.acquire()
        answer, error = result
        if error is not None:
            raise error
        return answer

    def start(self, method: str, target: BucketTarget, path: str, headers: list[tuple[str, str]], body: bytes,
              body_sha256: str, done: Done) -> None:  # fmt: skip
        """Sign and send one request; `done` gets its answer (on awscrt's thread) or connection error.

        A connection error while connecting may call `done` on the calling thread.
        """
        url = f"{target.scheme}://{target.host_header}{path}"
        request = http.HttpRequest(method, path, http.HttpHeaders([("host", target.host_header), *headers]))
        auth.aws_sign_request(request, self._config(UNSIGNED_PAYLOAD if self._unsigned_payload else body_sha256)
                              ).result()  # fmt: skip
        # botocore signs before these exist (user-agent is on its unsigned list): add them after.
        request.headers.add("user-agent", self._user_agent)
        request.headers.add("accept-encoding", "identity")
        if self._sdk_request is not None:  # boto3's per-call bookkeeping, unsigned as botocore adds it
            request.headers.add("amz-sdk-invocation-id", _invocation_id())
            request.headers.add("amz-sdk-request", self._sdk_request)
        if method not in _NO_LENGTH:  # botocore's rule (awsrequest.py, _prepare_headers)
            request.headers.add("content-length", str(len(body)))
        connection = self._take_idle(target)
        if connection is not None:
            _Exchange(self, target, url, request, body, done).send(connection, reused=True)
        else:
            self._connect(_Exchange(self, target, url, request, body, done))

    # --- connections -----------------------------------------------------------------------

    def _take_idle(self, target: BucketTarget) -> http.HttpClientConnection | None:
        with self._lock:
            idle = self._idle.get(_key(target))
            while idle:
                connection = idle.pop()
                if connection.is_open():
                    return connection
        return None

    def _give_back(self, target: BucketTarget, connection: http.HttpClientConnection) -> None:
        with self._lock:
            self._idle.setdefault(_key(target), []).append(connection)

    def _connect(self, exchange: _Exchange) -> None:
        """Open a new connection for `exchange` (asynchronously) and send on it."""
        target = exchange.target
        try:
            tls = None
            if target.scheme == "https":
                if self._tls is None:
                    self._tls = io.ClientTlsContext(_tls_options(self._ca_bundle))
                tls = self._tls.new_connection_options()
                tls.set_server_name(target.host)
            future = http.HttpClientConnection.new(host_name=target.host, port=target.port,
                                                   socket_options=self._socket, tls_connection_options=tls)  # fmt: skip
        except Exception as exc:  # noqa: BLE001 - no connection: the request's error
            exchange.fail(EndpointConnectionError(endpoint_url=exchange.url, error=exc))
            return

        def connected(future: Any) -> None:
            error = future.exception()
            if error is not None:
                exchange.fail(EndpointConnectionError(endpoint_url=exchange.url, error=error))
            else:
                exchange.send(future.result(), reused=False)

        future.add_done_callback(connected)

    def _watch(self, exchange: _Exchange, connection: http.HttpClientConnection | None) -> None:
        """Track (or, with None, stop tracking) a request's deadline (single dict operations: no lock)."""
        if connection is None:
            self._busy.pop(id(exchange), None)
            return
        self._busy[id(exchange)] = (time.monotonic() + RESPONSE_TIMEOUT_S, connection)
        if self._watchdog is None:
            with self._lock:
                if self._watchdog is None:
                    self._watchdog = threading.Thread(target=self._close_overdue, name="s3batch-lean-watch",
                                                      daemon=True)  # fmt: skip
                    self._watchdog.start()

    def _close_overdue(self) -> None:
        """Close the connection of any request unanswered after RESPONSE_TIMEOUT_S (it then fails)."""
        while True:
            time.sleep(WATCH_EVERY_S)
            now = time.monotonic()
            overdue = [connection for deadline, connection in list(self._busy.values()) if deadline < now]
            for connection in overdue:
                connection.close()


class _Exchange:
    """One request until its answer: sent once, and once more on a fresh connection when a
    kept-alive one turns out closed by the server (urllib3 checks for that before reuse)."""

    __slots__ = ("sender", "target", "url", "request", "body", "done", "status", "headers", "chunks")

    def __init__(self, sender: CrtSender, target: BucketTarget, url: str, request: http.HttpRequest, body: bytes,
                 done: Done) -> None:  # fmt: skip
        self.sender = sender
        self.target = target
        self.url = url
        self.request = request
        self.body = body
        self.done = done
        self.status = 0
        self.headers: dict[str, str] = {}
        self.chunks: list[bytes] = []

    def send(self, connection: http.HttpClientConnection, reused: bool) -> None:
        if self.body:
            self.request.body_stream = BytesIO(self.body)
        try:
            stream = connection.request(self.request, self._on_response, self._on_body)
        except Exception as exc:  # noqa: BLE001 - the connection closed under us
            self._failed(connection, reused, exc)
            return
        self.sender._watch(self, connection)
        stream.completion_future.add_done_callback(lambda future: self._completed(connection, reused, future))
        stream.activate()

    def _on_response(self, status_code: int, headers: list[tuple[str, str]], **_: Any) -> None:
        keep_thread_state()
        self.status = status_code
        self.headers = {name.lower(): value for name, value in headers}

    def _on_body(self, chunk: bytes, **_: Any) -> None:
        self.chunks.append(chunk)

    def _completed(self, connection: http.HttpClientConnection, reused: bool, future: Any) -> None:
        self.sender._watch(self, None)
        error = future.exception()
        if error is not None:
            connection.close()
            self._failed(connection, reused, error)
            return
        if self.headers.get("connection", "").lower() == "close":
            connection.close()
        else:
            self.sender._give_back(self.target, connection)
        self.done(Answer(self.status, self.headers, b"".join(self.chunks)), None)

    def _failed(self, connection: http.HttpClientConnection, reused: bool, error: BaseException) -> None:
        if reused and not self.status:  # a stale kept-alive connection: once more on a new one
            self.sender._connect(self)
            return
        self.fail(ConnectionClosedError(endpoint_url=self.url, error=error))

    def fail(self, error: BaseException) -> None:
        self.done(None, error)


def _key(target: BucketTarget) -> str:
    return f"{target.scheme}://{target.host}:{target.port}"


def _tls_options(ca_bundle: str | None) -> io.TlsContextOptions:
    """Peer verification on (awscrt's default); boto3's CA bundle setting honoured."""
    options = io.TlsContextOptions()
    if ca_bundle:
        options.override_default_trust_store_from_path(ca_filepath=ca_bundle)
    return options
