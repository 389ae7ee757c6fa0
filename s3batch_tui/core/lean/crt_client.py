"""Send one signed S3 request over awscrt, synchronously, on a per-thread connection.

Credentials come from the boto3 session's own chain (profiles, SSO, assume-role,
instance metadata), frozen per signing so refreshable credentials refresh as in boto3.
Connection failures raise botocore's exceptions, so retries classify them as for boto3.
"""

from __future__ import annotations

import ctypes
import threading
import time
from datetime import UTC, datetime
from io import BytesIO
from dataclasses import dataclass
from typing import Any

from awscrt import auth, http, io
from botocore.exceptions import ConnectionClosedError, EndpointConnectionError

from s3batch_tui.core.lean.addressing import BucketTarget

CONNECT_TIMEOUT_MS = 10_000
RESPONSE_TIMEOUT_S = 60.0

_kept_thread_states: set[int] = set()


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


class CrtSender:
    """Signs with SigV4 (awscrt) and sends on keep-alive connections, one per thread and host."""

    def __init__(self, credentials: Any, region: str, user_agent: str, ca_bundle: str | None = None) -> None:
        self._credentials = credentials  # botocore Credentials (refreshable or not)
        self._region = region
        self._user_agent = user_agent
        self._local = threading.local()
        self._tls = io.ClientTlsContext(_tls_options(ca_bundle))
        self._socket = io.SocketOptions()
        self._socket.connect_timeout_ms = CONNECT_TIMEOUT_MS
        self._signing: tuple[Any, int, dict[str, auth.AwsSigningConfig]] | None = None

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
        """Sign and send one request; raise botocore's connection errors when no answer came."""
        url = f"{target.scheme}://{target.host_header}{path}"
        request = http.HttpRequest(method, path, http.HttpHeaders([("host", target.host_header), *headers]))
        auth.aws_sign_request(request, self._config(body_sha256)).result()
        # botocore signs before these exist (user-agent is on its unsigned list): add them after.
        request.headers.add("user-agent", self._user_agent)
        request.headers.add("accept-encoding", "identity")
        request.headers.add("content-length", str(len(body)))
        if body:
            request.body_stream = BytesIO(body)
        # A kept-alive connection the server had already closed (urllib3 checks for that
        # before reuse) gets the request once more on a fresh one (it is idempotent).
        for retry in (False, True):
            connection, reused = self._connection(target, url)
            try:
                return self._exchange(connection, request, target)
            except Exception as exc:
                if retry or not reused:
                    raise ConnectionClosedError(endpoint_url=url, error=exc) from exc
            if body:
                request.body_stream = BytesIO(body)
        raise AssertionError("unreachable")

    def _exchange(self, connection: http.HttpClientConnection, request: http.HttpRequest,
                  target: BucketTarget) -> Answer:  # fmt: skip
        """One request and its whole answer; the connection is dropped when it cannot be reused."""
        answer = Answer(0, {}, b"")
        chunks: list[bytes] = []

        def on_response(status_code: int, headers: list[tuple[str, str]], **_: Any) -> None:
            keep_thread_state()
            answer.status = status_code
            answer.headers = {name.lower(): value for name, value in headers}

        def on_body(chunk: bytes, **_: Any) -> None:
            chunks.append(chunk)

        try:
            stream = connection.request(request, on_response, on_body)
            stream.activate()
            stream.completion_future.result(RESPONSE_TIMEOUT_S)
        except Exception:
            self._drop(target, connection)
            raise
        if answer.headers.get("connection", "").lower() == "close":
            self._drop(target, connection)
        answer.body = b"".join(chunks)
        return answer

    def _drop(self, target: BucketTarget, connection: http.HttpClientConnection) -> None:
        self._local.__dict__.pop(_key(target), None)
        connection.close()

    def _connection(self, target: BucketTarget, url: str) -> tuple[http.HttpClientConnection, bool]:
        """This thread's open connection to the target (reused: True), or a new one."""
        connections = self._local.__dict__
        key = _key(target)
        connection = connections.get(key)
        if connection is not None and connection.is_open():
            return connection, True
        tls = None
        if target.scheme == "https":
            tls = self._tls.new_connection_options()
            tls.set_server_name(target.host)
        try:
            connection = http.HttpClientConnection.new(
                host_name=target.host, port=target.port, socket_options=self._socket, tls_connection_options=tls
            ).result(CONNECT_TIMEOUT_MS / 1000 + 5)
        except Exception as exc:
            raise EndpointConnectionError(endpoint_url=url, error=exc) from exc
        connections[key] = connection
        return connection, False


def _key(target: BucketTarget) -> str:
    return f"{target.scheme}://{target.host}:{target.port}"


def _tls_options(ca_bundle: str | None) -> io.TlsContextOptions:
    """Peer verification on (awscrt's default); boto3's CA bundle setting honoured."""
    options = io.TlsContextOptions()
    if ca_bundle:
        options.override_default_trust_store_from_path(ca_filepath=ca_bundle)
    return options

