"""A loopback TCP proxy that can lose answers: the request reaches the server, the reply does not.

That is the network error after which a client cannot know whether its request took
effect (the case a ClientRequestToken is for).
"""

from __future__ import annotations

import select
import socket
import threading


class DropProxy:
    """Relays to `upstream`; while `drop` is set, closes a connection as soon as the server starts answering."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream = ("127.0.0.1", upstream_port)
        self.drop = False
        self.dropped = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        """What a client uses as its endpoint."""
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        """Stop accepting (open relays end with their connections)."""
        self._closed = True
        self._listener.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    def _relay(self, client: socket.socket) -> None:
        with client, socket.create_connection(self.upstream) as server:
            ends = {client: server, server: client}
            while True:
                readable, _, _ = select.select(list(ends), [], [], 30)
                if not readable:
                    return
                for source in readable:
                    data = source.recv(65536)
                    if not data:
                        return
                    if source is server and self.drop:  # the server has handled the request: lose its answer
                        self.dropped += 1
                        return
                    ends[source].sendall(data)
