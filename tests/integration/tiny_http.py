"""Tiny real HTTP servers on loopback that answer what a test scripts (throttling, 409s).

For behaviour no S3 server can be made to show on demand; the client side is real boto3.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class ScriptedHandler(BaseHTTPRequestHandler):
    """Base for scripted answers: `reply()` sends one XML response; nothing is logged."""

    def reply(self, status: int, body: bytes = b"") -> None:
        """Send `status` with an XML `body`."""
        self.send_response(status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@contextmanager
def serve(handler: type[ScriptedHandler], **state) -> Iterator[tuple[str, type[ScriptedHandler]]]:
    """Serve a fresh subclass of `handler` (class attributes `state`); yields (url, that class)."""
    fresh = type("Handler", (handler,), state)
    server = ThreadingHTTPServer(("127.0.0.1", 0), fresh)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", fresh
    finally:
        server.shutdown()
        server.server_close()
