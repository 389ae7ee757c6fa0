"""A fault-injecting HTTP proxy on loopback, between the tool and a real S3 server.

Real sockets: clients sign for the proxy's host:port and the proxy forwards their
bytes unchanged (SeaweedFS verifies SigV4 against the Host header it receives, so
signatures still check). Faults, switchable while a job runs:

- ``slowdown`` / ``internal`` / ``too_many_requests``: answer 503 SlowDown / 500
  InternalError / S3 Control's TooManyRequestsException with an AWS XML body, without forwarding;
- ``error_in_200``: answer 200 OK with an InternalError body, without forwarding (what
  S3 does when a CopyObject fails after it started);
- ``reset_before``: reset the client connection before forwarding;
- ``reset_after``: forward, let the server apply the request, then reset the client
  connection instead of answering (the change happened, the client never knew);
- ``truncate``: forward and send the answer's head and half its body, then reset
  (a stream cut mid-read);
- a fixed added latency, a seeded random mix of faults at a given rate, and an outage:
  the listener closes and open connections drop, so connects are refused, for N s.

It counts requests in flight (read, not yet answered) and keeps their peak, so a test can
check how many a client sends at once.

It serves only 127.0.0.1, forwards only to a loopback upstream, and stops itself after
`max_lifetime` seconds whatever happens to the test.
"""

from __future__ import annotations

import random
import socket
import struct
import threading
import time
from collections import Counter
from urllib.parse import urlsplit

FAULTS = ("slowdown", "internal", "reset_before", "reset_after")
_ERROR_BODIES = {
    "slowdown": (503, "Slow Down", "SlowDown", "Please reduce your request rate."),
    "internal": (500, "Internal Server Error", "InternalError", "We encountered an internal error. Please try again."),
    "error_in_200": (200, "OK", "InternalError", "We encountered an internal error. Please try again."),
    "too_many_requests": (429, "Too Many Requests", "TooManyRequestsException", "Rate exceeded."),  # S3 Control's
}


class FaultProxy:
    """The proxy (see module docstring). `url` is what clients use as their endpoint."""

    def __init__(self, upstream_url: str, *, seed: int = 7, max_lifetime: float = 900.0) -> None:
        upstream = urlsplit(upstream_url)
        if upstream.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError(f"the fault proxy forwards only to loopback, not {upstream.hostname}")
        self.upstream = (upstream.hostname, upstream.port or 80)
        self.counts: Counter[str] = Counter()
        self.requests: list[str] = []  # request lines ("PUT /bucket/key?partNumber=2&... HTTP/1.1"), in order
        self.in_flight = 0  # requests read and not yet answered
        self.peak_in_flight = 0
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._forced: list[str] = []  # faults for the next requests, in order
        self._mix_rate = 0.0
        self._mix: tuple[str, ...] = FAULTS
        self._latency = 0.0
        self._match: str | None = None
        self._connections: set[socket.socket] = set()
        self._stopped = threading.Event()
        self._listener = self._listen(0)
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self._accept_loop, args=(self._listener,), daemon=True).start()
        self._deadline = threading.Timer(max_lifetime, self.stop)
        self._deadline.daemon = True
        self._deadline.start()

    # --- switches (from the test) ----------------------------------------------------

    def fail_next(self, *faults: str, matching: str | None = None) -> None:
        """Apply `faults` to the next requests (one each), only those whose request line contains `matching`."""
        with self._lock:
            self._forced.extend(faults)
            self._match = matching

    def mix(self, rate: float, faults: tuple[str, ...] = FAULTS) -> None:
        """From now on, each request meets one of `faults` with probability `rate` (seeded)."""
        with self._lock:
            self._mix_rate, self._mix = rate, faults

    def latency(self, seconds: float) -> None:
        """Add `seconds` before forwarding each request."""
        self._latency = seconds

    def clear(self) -> None:
        """No faults, no latency."""
        with self._lock:
            self._forced.clear()
            self._mix_rate, self._latency, self._match = 0.0, 0.0, None

    def outage(self, seconds: float, wait: bool = False) -> threading.Thread:
        """Close the listener and drop every connection; listen again after `seconds`."""
        with self._lock:
            listener, self._listener = self._listener, None
            connections = list(self._connections)
        self.counts["outage"] += 1
        if listener is not None:
            _close_listener(listener)
        for conn in connections:
            _reset(conn)
        thread = threading.Thread(target=self._reopen_after, args=(seconds,), daemon=True)
        thread.start()
        if wait:
            thread.join()
        return thread

    def stop(self) -> None:
        """Stop listening and drop every connection (idempotent)."""
        self._stopped.set()
        self._deadline.cancel()
        with self._lock:
            listener, self._listener = self._listener, None
            connections = list(self._connections)
        if listener is not None:
            _close_listener(listener)
        for conn in connections:
            _reset(conn)

    # --- the sockets ----------------------------------------------------------------

    def _listen(self, port: int) -> socket.socket:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(256)
        return listener

    def _reopen_after(self, seconds: float) -> None:
        if self._stopped.wait(seconds):
            return
        while True:
            try:
                listener = self._listen(self.port)
                break
            except OSError:  # an outgoing connection took the port as its own for now
                if self._stopped.wait(0.05):
                    return
        with self._lock:
            self._listener = listener
        threading.Thread(target=self._accept_loop, args=(listener,), daemon=True).start()

    def _accept_loop(self, listener: socket.socket) -> None:
        while not self._stopped.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return  # closed for an outage or stop
            with self._lock:
                self._connections.add(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _answered(self) -> None:
        """One request fewer in flight."""
        with self._lock:
            self.in_flight -= 1

    def _choose(self, request_line: bytes) -> str | None:
        with self._lock:
            if self._forced and (self._match is None or self._match.encode() in request_line):
                return self._forced.pop(0)
            if self._mix_rate and self._random.random() < self._mix_rate:
                return self._random.choice(self._mix)
        return None

    def _serve(self, conn: socket.socket) -> None:
        upstream: socket.socket | None = None
        client = _Reader(conn)
        answering = False  # a request was counted in flight and not yet answered
        try:
            while not self._stopped.is_set():
                request = _read_message(client, is_request=True, on_expect=lambda: conn.sendall(_CONTINUE))
                if request is None:
                    return
                head, body, method = request
                request_line = head.split(b"\r\n", 1)[0]
                self.requests.append(request_line.decode("latin-1"))
                with self._lock:
                    self.in_flight += 1
                    self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
                    answering = True
                fault = self._choose(request_line)
                if fault:
                    self.counts[fault] += 1
                if fault in _ERROR_BODIES:
                    answer = _error_response(*_ERROR_BODIES[fault])
                    # A HEAD answer has no body (its length still shows), as S3's own.
                    conn.sendall(answer.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n" if method == b"HEAD" else answer)
                    self._answered()
                    answering = False
                    continue
                if fault == "reset_before":
                    return _reset(conn)
                if self._latency:
                    time.sleep(self._latency)
                if upstream is None:
                    upstream = socket.create_connection(self.upstream, timeout=60)
                    upstream_reader = _Reader(upstream)
                upstream.sendall(head + body)
                answer = _read_message(upstream_reader, is_request=False, method=method)
                if answer is None:
                    return _reset(conn)
                self.counts["forwarded"] += 1
                if fault == "reset_after":
                    return _reset(conn)
                if fault == "truncate":
                    conn.sendall(answer[0] + answer[1][: len(answer[1]) // 2])
                    return _reset(conn)
                conn.sendall(answer[0] + answer[1])
                self._answered()
                answering = False
        except OSError:
            return
        finally:
            with self._lock:
                self._connections.discard(conn)
                if answering:
                    self.in_flight -= 1
            _reset(conn)
            if upstream is not None:
                upstream.close()


class _Reader:
    """Buffered reads straight from a socket (a makefile() would keep it from closing with RST)."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._buffer = b""

    def _fill(self) -> bool:
        data = self._sock.recv(65536)
        self._buffer += data
        return bool(data)

    def readline(self, limit: int) -> bytes:
        while b"\n" not in self._buffer and len(self._buffer) < limit:
            if not self._fill():
                break
        end = self._buffer.find(b"\n")
        end = len(self._buffer) if end < 0 else end + 1
        line, self._buffer = self._buffer[:end], self._buffer[end:]
        return line

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            if not self._fill():
                break
        size = len(self._buffer) if size < 0 else size
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data


def _close_listener(listener: socket.socket) -> None:
    """Stop listening now: shutdown wakes the blocked accept(); close alone would not."""
    try:
        listener.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    listener.close()


_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


def _reset(conn: socket.socket) -> None:
    """Close with RST (SO_LINGER 0): the peer sees "connection reset", not a clean end."""
    try:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    conn.close()


def _read_message(reader, *, is_request: bool, method: bytes = b"", on_expect=None) -> tuple[bytes, bytes, bytes] | None:
    """One HTTP/1.1 message as (head, body, request method); None at a clean end of stream.

    A request with `Expect: 100-continue` gets its 100 from us (`on_expect`), and the
    upstream's own interim 1xx answers are skipped, so the two sides stay in step.
    """
    line = reader.readline(65537)
    if not line:
        return None
    while not is_request and line.split(b" ", 2)[1].startswith(b"1"):
        while reader.readline(65537) not in (b"\r\n", b"\n", b""):
            pass
        line = reader.readline(65537)
        if not line:
            return None
    lines = [line]
    length: int | None = None
    chunked = expect = False
    while True:
        header = reader.readline(65537)
        if not header:
            return None
        lines.append(header)
        if header in (b"\r\n", b"\n"):
            break
        name, _, value = header.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value.strip())
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
        elif name == b"expect" and on_expect is not None:
            expect = True
    head = b"".join(lines)
    if is_request and expect:
        on_expect()
    request_method = line.split(b" ", 1)[0] if is_request else method
    if not is_request:
        status = int(line.split(b" ", 2)[1])
        if method == b"HEAD" or status in (204, 304):
            return head, b"", request_method
    if chunked:
        return head, _read_chunked(reader), request_method
    if length is not None:
        return head, reader.read(length), request_method
    return head, (b"" if is_request else reader.read()), request_method


def _read_chunked(reader) -> bytes:
    parts = []
    while True:
        size_line = reader.readline(65537)
        parts.append(size_line)
        size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
        if size == 0:
            while True:  # trailers up to the blank line
                trailer = reader.readline(65537)
                parts.append(trailer)
                if trailer in (b"\r\n", b"\n", b""):
                    return b"".join(parts)
        parts.append(reader.read(size + 2))


def _error_response(status: int, reason: str, code: str, message: str) -> bytes:
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message>'
        f"<RequestId>fault-proxy</RequestId></Error>"
    ).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/xml\r\nContent-Length: {len(body)}\r\n"
        f"x-amz-request-id: fault-proxy\r\n\r\n"
    ).encode()
    return head + body
