"""A benchmark web on 127.0.0.1: N sites with a feed and M articles each, deterministic from a seed.

Every site is its own origin (its own port), the way real outlets are their own hosts; half follow a
WordPress theme (RSS with excerpts, threaded ``wp_list_comments`` markup, sidebar widgets, inline CSS and
scripts), half a Substack post page (RSS with full content, subscribe widgets, the post repeated in a
large ``window._preloads`` script, a comment thread in schema.org microdata). What the articles say is
in ``world_model.py``, how the pages and feeds look in ``world_pages.py``; nothing is stored, every answer
is computed from (seed, site, article number), so a 20,000-page world costs no memory.

Feeds and pages carry ``ETag`` and ``Last-Modified`` and answer ``304`` to a matching conditional GET
(``If-None-Match`` wins over ``If-Modified-Since``, as RFC 9110 says). ``grow(k)`` publishes k new
articles, spread over the sites; ``reset()`` returns to the first state.

A control origin (its own port) serves ``GET /spec``, ``GET /urls`` (every article link as the feeds
show it), ``GET /sources.toml``, ``GET /stats`` (requests by kind and status, and the server's CPU
seconds), ``POST /reset-stats``, ``POST /grow?k=N`` and ``POST /reset``.

    python bench/world.py --feeds 40 --articles 50 --seed 1             # serve until Ctrl-C
    python bench/world.py --feeds 4 --articles 5 --sources world.toml   # and write a sources.toml
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import resource
import sys
import threading
import time
from collections import Counter
from dataclasses import asdict
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the sibling modules, however this one was loaded

from world_model import HOST, World, WorldSpec
from world_pages import rfc822


class WorldServer:
    """Serves a World on 127.0.0.1: one port per site plus a control port; runs its own event loop thread."""

    def __init__(self, world: World, host: str = HOST) -> None:
        self.world = world
        self.host = host
        self.stats: Counter[str] = Counter()
        self.ports: list[int] = []
        self.control_port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="world-server", daemon=True)
        self._servers: list[asyncio.base_events.Server] = []

    # lifecycle

    def start(self) -> WorldServer:
        """Bind every port and start answering; returns once all are listening."""
        with contextlib.suppress(ValueError, OSError):  # many sites, many clients: raise the fd limit
            _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        self._thread.start()
        self._ready.wait()
        return self

    def close(self) -> None:
        """Stop serving and close every port."""
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    def __enter__(self) -> WorldServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._bind())
        self._ready.set()
        self._loop.run_forever()
        for server in self._servers:
            server.close()

    async def _bind(self) -> None:
        for site in self.world.sites:
            server = await asyncio.start_server(
                lambda r, w, i=site.index: self._connection(r, w, i), self.host, 0, backlog=512
            )
            self._servers.append(server)
            self.ports.append(server.sockets[0].getsockname()[1])
        control = await asyncio.start_server(lambda r, w: self._connection(r, w, None), self.host, 0)
        self._servers.append(control)
        self.control_port = control.sockets[0].getsockname()[1]

    # addresses

    def base(self, site: int) -> str:
        """The origin of site ``site``."""
        return f"http://{self.host}:{self.ports[site]}"

    @property
    def control(self) -> str:
        return f"http://{self.host}:{self.control_port}"

    def feed_url(self, site: int) -> str:
        return self.base(site) + self.world.sites[site].feed_path

    def sources_toml(self) -> str:
        """A sources.toml that follows every site of the world."""
        lines = ["[settings]", f'allow_hosts = ["{self.host}"]', ""]
        for site in self.world.sites:
            lines += ["[[source]]", f'name = "{site.slug}"', f'feed = "{self.feed_url(site.index)}"', ""]
        return "\n".join(lines)

    def urls(self) -> list[tuple[str, str]]:
        """(source name, link) of every article the feeds list now."""
        return list(self.world.links([self.base(i) for i in range(len(self.ports))]))

    # HTTP

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, site: int | None) -> None:
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                    break
                lines = head.decode("latin-1").split("\r\n")
                try:
                    method, target, version = lines[0].split(" ", 2)
                except ValueError:
                    break
                headers = {}
                for line in lines[1:]:
                    key, sep, value = line.partition(":")
                    if sep:
                        headers[key.strip().lower()] = value.strip()
                length = headers.get("content-length", "0")
                if length.isdigit() and int(length):
                    await reader.readexactly(int(length))
                if site is None:
                    status, extra, body = self._control(method, target)
                else:
                    status, extra, body = self._answer(site, method, target, headers)
                keep = version.strip() == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
                out = [
                    f"HTTP/1.1 {status} {_REASONS.get(status, 'OK')}",
                    f"Date: {rfc822(datetime.now(UTC))}",
                    "Server: tealeaves-bench-world",
                    f"Content-Length: {len(body)}",
                    *(f"{k}: {v}" for k, v in extra.items()),
                ]
                if not keep:
                    out.append("Connection: close")
                writer.write(("\r\n".join(out) + "\r\n\r\n").encode("latin-1") + (b"" if method == "HEAD" else body))
                await writer.drain()
                if not keep:
                    break
        except ConnectionError:
            pass
        finally:
            writer.close()

    def _answer(
        self, site: int, method: str, target: str, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        path = urlsplit(target).path
        base = self.base(site)
        if method not in ("GET", "HEAD"):
            self.stats["other 405"] += 1
            return 405, {"Allow": "GET, HEAD"}, b""
        if path == "/robots.txt":
            self.stats["robots 200"] += 1
            return 200, {"Content-Type": "text/plain; charset=utf-8"}, self.world.robots(site, base)
        if path == self.world.sites[site].feed_path:
            kind, content_type = "feed", "application/rss+xml; charset=UTF-8"
            found: tuple[bytes, str, datetime] | None = self.world.feed(site, base)
        else:
            kind, content_type = "page", "text/html; charset=UTF-8"
            found = self.world.page(site, path, base)
        if found is None:
            self.stats["other 404"] += 1
            return 404, {"Content-Type": "text/plain"}, b"not found"
        body, etag, modified = found
        validators = {"ETag": etag, "Last-Modified": rfc822(modified), "Cache-Control": "max-age=0, must-revalidate"}
        if _not_modified(headers, etag, modified):
            self.stats[f"{kind} 304"] += 1
            return 304, validators, b""
        self.stats[f"{kind} 200"] += 1
        self.stats[f"{kind} bytes"] += len(body)
        return 200, {"Content-Type": content_type, **validators}, body

    def _control(self, method: str, target: str) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(target)
        query = parse_qs(parts.query)
        as_json = {"Content-Type": "application/json"}
        if parts.path == "/stats":
            usage = resource.getrusage(resource.RUSAGE_SELF)
            figures = {
                **self.stats,
                "cpu_s": usage.ru_utime + usage.ru_stime,
                "pages_published": self.world.total_pages(),
            }
            return 200, as_json, json.dumps(figures).encode()
        if parts.path == "/reset-stats" and method == "POST":
            self.stats.clear()
            return 200, as_json, b"{}"
        if parts.path == "/grow" and method == "POST":
            added = self.world.grow(int(query.get("k", ["1"])[0]))
            base = [self.base(i) for i in range(len(self.ports))]
            links = [base[i] + self.world.feed_path(i, n) for i, n in added]
            return 200, as_json, json.dumps({"added": links}).encode()
        if parts.path == "/reset" and method == "POST":
            self.world.reset()
            return 200, as_json, b"{}"
        if parts.path == "/urls":
            return 200, as_json, json.dumps(self.urls()).encode()
        if parts.path == "/sources.toml":
            return 200, {"Content-Type": "application/toml"}, self.sources_toml().encode()
        if parts.path == "/spec":
            spec = {**asdict(self.world.spec), "ports": self.ports, "pages": self.world.total_pages()}
            return 200, as_json, json.dumps(spec).encode()
        return 404, {"Content-Type": "text/plain"}, b"not found"


_REASONS = {200: "OK", 304: "Not Modified", 404: "Not Found", 405: "Method Not Allowed"}


def _not_modified(headers: dict[str, str], etag: str, modified: datetime) -> bool:
    match = headers.get("if-none-match")
    if match is not None:
        return match.strip() == "*" or etag in [m.strip().removeprefix("W/") for m in match.split(",")]
    since = headers.get("if-modified-since")
    if since:
        try:
            return modified.replace(microsecond=0) <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


def main(argv: list[str] | None = None) -> int:
    """Serve a world until interrupted (or until stdin closes, with --until-stdin-closes)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--feeds", type=int, default=40, help="sites, each with one feed")
    parser.add_argument("--articles", type=int, default=50, help="articles per site at the start (= feed length)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sources", type=Path, help="write a sources.toml for the world here")
    parser.add_argument("--urls", type=Path, help="write every article link (one a line) here")
    parser.add_argument("--json", action="store_true", help="print one JSON line (ports, control URL) when ready")
    parser.add_argument("--until-stdin-closes", action="store_true", help="stop when stdin reaches end of file")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    world = World(WorldSpec(args.feeds, args.articles, args.seed))
    server = WorldServer(world).start()
    for site in world.sites:  # feeds are the costly answers (a page's worth per item): make them now
        world.feed(site.index, server.base(site.index))
    if args.sources:
        args.sources.write_text(server.sources_toml(), encoding="utf-8")
    if args.urls:
        args.urls.write_text("".join(link + "\n" for _, link in server.urls()), encoding="utf-8")
    ready = {"control": server.control, "ports": server.ports, "pages": world.total_pages(), **asdict(world.spec)}
    if args.json:
        print(json.dumps(ready), flush=True)
    else:
        print(
            f"world: {args.feeds} sites x {args.articles} articles (seed {args.seed}) on {HOST}, ports "
            f"{server.ports[0]}..{server.ports[-1]}; control {server.control} ({time.perf_counter() - started:.1f} s)",
            flush=True,
        )
    try:
        if args.until_stdin_closes:
            sys.stdin.read()
        else:
            threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
