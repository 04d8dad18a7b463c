"""A real HTTP server on 127.0.0.1 for tests: routes of canned answers, conditional GET, a request log."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    """A canned answer. ``body`` may contain ``{BASE}``, replaced by the server's base URL."""

    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    conditional: bool = False  # answer 304 to a matching If-None-Match / If-Modified-Since


@dataclass
class Seen:
    """One request the server received."""

    path: str
    headers: dict[str, str]


Handler = Callable[[BaseHTTPRequestHandler], None]


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        """Clients that hang up mid-answer are what several tests do on purpose: no traceback."""


class FixtureServer:
    """Serve ``routes`` (path -> Route or a raw handler) on 127.0.0.1 until ``close()``."""

    def __init__(self, routes: Mapping[str, Route | Handler] | None = None, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Route | Handler] = dict(routes or {})
        self.seen: list[Seen] = []
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes; with Nagle on, each keep-alive answer waits ~40 ms
            # for the client's delayed ACK.
            disable_nagle_algorithm = True

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                server.seen.append(Seen(self.path, {k.lower(): v for k, v in self.headers.items()}))
                route = server.routes.get(self.path)
                if route is None:
                    self._send(404, {"Content-Type": "text/plain"}, b"not found")
                    return
                if not isinstance(route, Route):
                    route(self)
                    return
                body = route.body.replace(b"{BASE}", server.base.encode())
                headers = {"Content-Type": "text/html; charset=utf-8", **route.headers}
                if route.conditional:
                    etag = '"' + hashlib.sha1(body, usedforsecurity=False).hexdigest()[:16] + '"'
                    modified = "Mon, 03 Mar 2025 10:00:00 GMT"
                    headers.update({"ETag": etag, "Last-Modified": modified})
                    if self.headers.get("If-None-Match") == etag or self.headers.get("If-Modified-Since") == modified:
                        # A 304 repeats the caching headers of the 200 it stands for (RFC 9110, 15.4.5).
                        cache = {k: v for k, v in route.headers.items() if k.lower() in ("cache-control", "expires")}
                        self._send(304, {"ETag": etag, "Last-Modified": modified, **cache}, b"")
                        return
                self._send(route.status, headers, body)

            def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._httpd = _QuietServer((host, 0), _Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self.base = f"http://{host}:{self.port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        return self.base + path

    def requests_for(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
