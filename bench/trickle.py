"""A feed that never finishes answering: headers at once, then one byte a second, well inside any read
timeout, so only a deadline or a time budget stops a client. The benchmark's slow-feed case adds it to the
world as one more source."""

from __future__ import annotations

import socket
import threading
import time

HEADERS = b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: 100000\r\n\r\n"


class TrickleServer:
    """Serve the trickling feed on 127.0.0.1 until ``close()``; ``requests`` counts the connections taken."""

    def __init__(self, every: float = 1.0) -> None:
        self.every = every
        self.requests = 0
        self._stopping = threading.Event()
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self._sock.settimeout(0.2)
        self.port = self._sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def feed(self) -> str:
        return f"http://127.0.0.1:{self.port}/feed.xml"

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.requests += 1
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(65536)
                conn.sendall(HEADERS + b"<rss version='2.0'><channel>")
                while not self._stopping.is_set():
                    conn.sendall(b" ")
                    time.sleep(self.every)
            except OSError:
                return  # the client gave up, as it should

    def close(self) -> None:
        self._stopping.set()
        self._sock.close()
