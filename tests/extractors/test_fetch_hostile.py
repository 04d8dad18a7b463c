"""The guarded client against servers that misbehave on purpose: every case ends in a typed error that
says why, within the deadline, with the request recorded, and nothing read that should not be."""

from __future__ import annotations

import json
import os
import socket
import ssl
import struct
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from extractors import errors
from extractors.fetch import Fetcher
from tests.fixture_server import FixtureServer, Route
from tests.hardening.servers import RawServer, read_request, reset, self_signed_tls, trickle
from tests.policies import fetch_policy

REPO = Path(__file__).resolve().parents[2]
LOCAL = frozenset({"127.0.0.1"})
GIB = 1 << 30


def fetcher(**kw: object) -> Fetcher:
    return Fetcher(fetch_policy(LOCAL, **kw))


def gzip_bomb(decoded: int = GIB) -> bytes:
    """A valid gzip stream of ``decoded`` zero bytes in about a thousandth of that, built without
    compressing it all: one full-flushed deflate block of 1 MiB of zeros, repeated."""
    mib = bytes(1 << 20)
    z = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    block = z.compress(mib) + z.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(decoded >> 20):
        crc = zlib.crc32(mib, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    return header + block * (decoded >> 20) + z.flush() + struct.pack("<II", crc, decoded & 0xFFFFFFFF)


@pytest.fixture(scope="module")
def bomb_server() -> Iterator[FixtureServer]:
    bomb = gzip_bomb()
    srv = FixtureServer({"/bomb": Route(body=bomb, headers={"Content-Encoding": "gzip"})})
    yield srv
    srv.close()


@pytest.fixture
def raw(request: pytest.FixtureRequest) -> Iterator[list[RawServer]]:
    """Servers started by a test, closed after it."""
    started: list[RawServer] = []
    yield started
    for server in started:
        server.close()


def serve(raw: list[RawServer], handler, host: str = "127.0.0.1", tls: ssl.SSLContext | None = None) -> RawServer:
    server = RawServer(handler, host=host, tls=tls)
    raw.append(server)
    return server


# --- the connection itself --------------------------------------------------------------------------


def test_dns_failure_is_a_transient_error_naming_the_host() -> None:
    started = time.monotonic()
    with fetcher(connect_timeout=3.0) as f, pytest.raises(errors.TransientError) as info:
        f.get("http://no-such-outlet.invalid/feed")
    # A resolver answers NXDOMAIN for .invalid at once; one that does not answer at all is cut off by
    # the connect timeout, which the lookup now obeys too.
    assert "cannot resolve host 'no-such-outlet.invalid'" in str(info.value) or isinstance(
        info.value, errors.FetchTimeout
    )
    assert time.monotonic() - started < 10


def test_refused_connection_is_transient_and_recorded() -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now
    with fetcher() as f, pytest.raises(errors.ConnectionFailed) as info:
        f.get(f"http://127.0.0.1:{port}/feed")
    assert info.value.transient
    assert [h.status for h in info.value.hops] == [None]


def test_reset_mid_body_keeps_nothing_and_records_the_bytes_seen(raw: list[RawServer]) -> None:
    def handler(conn: socket.socket, _: threading.Event) -> None:
        read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"x" * 1000)
        time.sleep(0.1)
        reset(conn)

    server = serve(raw, handler)
    with fetcher() as f, pytest.raises(errors.ConnectionFailed, match="reset") as info:
        f.get(server.url("/page"))
    assert info.value.transient
    assert [(h.status, h.bytes) for h in info.value.hops] == [(200, 1000)]


def test_short_body_is_not_taken_for_the_whole(raw: list[RawServer]) -> None:
    def handler(conn: socket.socket, _: threading.Event) -> None:
        read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n<rss><channel><item>")

    server = serve(raw, handler)
    with fetcher() as f, pytest.raises(errors.ConnectionFailed, match="without sending complete message body"):
        f.get(server.url("/feed"))


def _silent(conn: socket.socket, stopping: threading.Event) -> None:
    read_request(conn)
    stopping.wait(30)


def _header_trickle(conn: socket.socket, stopping: threading.Event) -> None:
    read_request(conn)
    trickle(conn, stopping, b"HTTP/1.1 200 OK\r\nX-Padding: " + b"a" * 5000 + b"\r\n\r\n", every=0.05)


def _body_trickle(conn: socket.socket, stopping: threading.Event) -> None:
    read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
    trickle(conn, stopping, b"x" * 1000, every=1.0)  # one byte a second, well inside the read timeout


@pytest.mark.parametrize("handler", [_silent, _header_trickle, _body_trickle], ids=["silent", "headers", "body"])
def test_only_the_overall_deadline_stops_a_slow_server(raw: list[RawServer], handler) -> None:
    server = serve(raw, handler)
    started = time.monotonic()
    with (
        fetcher(deadline=1.5, read_timeout=10.0) as f,
        pytest.raises(errors.FetchTimeout, match=r"the 1\.5 s deadline passed") as info,
    ):
        f.get(server.url("/feed"))
    assert time.monotonic() - started < 8.0  # the read timeout alone would allow minutes
    assert info.value.transient
    assert len(info.value.hops) == 1


def _slow_body(conn: socket.socket, stopping: threading.Event) -> None:
    read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
    trickle(conn, stopping, b"x" * 100000, every=0.01)  # about 100 bytes a second: it would take 17 minutes


def test_a_body_below_the_low_speed_floor_is_given_up_long_before_the_deadline(raw: list[RawServer]) -> None:
    server = serve(raw, _slow_body)
    started = time.monotonic()
    with (
        fetcher(deadline=60.0, min_rate=1024, min_rate_window=1.0) as f,
        pytest.raises(errors.FetchTimeout, match=r"bytes a second over 1 s, below the floor of 1,024") as info,
    ):
        f.get(server.url("/feed"))
    assert time.monotonic() - started < 5.0
    assert "TEALEAVES_MIN_RATE" in str(info.value)
    assert info.value.hops[0].bytes > 0


def test_a_body_that_keeps_up_with_the_floor_is_read_whole(raw: list[RawServer]) -> None:
    def steady(conn: socket.socket, stopping: threading.Event) -> None:
        read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 6000\r\n\r\n")
        for _ in range(6):  # 2,000 bytes a second for 3 s, over a floor of 1,024 measured every second
            conn.sendall(b"x" * 1000)
            time.sleep(0.5)

    server = serve(raw, steady)
    with fetcher(deadline=60.0, min_rate=1024, min_rate_window=1.0) as f:
        assert f.get(server.url("/feed")).body == b"x" * 6000


# --- sizes --------------------------------------------------------------------------------------------

_MEASURE = """
import json, resource, sys, tracemalloc
from extractors import errors
from extractors.fetch import Fetcher
from flows.settings import Settings

policy = Settings().fetch_policy(frozenset({"127.0.0.1"}))  # the default 15 MiB cap
with Fetcher(policy) as fetcher:
    fetcher.get(sys.argv[2])  # warm up: imports, connection pool, first allocations
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    wire = None
    try:
        fetcher.get(sys.argv[1])
        outcome = "no error"
    except errors.TooLarge as exc:
        outcome = str(exc)
        wire = exc.hops[-1].bytes
    traced_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    rss_growth = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) * 1024
print(json.dumps({"outcome": outcome, "traced_peak": traced_peak, "rss_growth": rss_growth, "wire": wire}))
"""


def test_gzip_bomb_peak_memory_is_measured_under_100_mb(bomb_server: FixtureServer) -> None:
    """A 1 GiB gzip bomb (1 MiB on the wire) against the default 15 MiB cap, in a fresh process:
    the peak of Python allocations and the growth of the resident set are both measured."""
    bomb_server.routes["/small"] = Route(body=b"ok")
    run = subprocess.run(
        [sys.executable, "-c", _MEASURE, bomb_server.url("/bomb"), bomb_server.url("/small")],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    measured = json.loads(run.stdout)
    print(
        f"\ngzip bomb (1 GiB decoded): traced peak {measured['traced_peak'] / 2**20:.1f} MiB, "
        f"RSS growth {measured['rss_growth'] / 2**20:.1f} MiB, {measured['wire']:,} bytes read off the wire"
    )
    assert "once decoded" in measured["outcome"]
    assert measured["traced_peak"] < 100 * 2**20
    assert measured["rss_growth"] < 100 * 2**20
    assert measured["wire"] < 2**20  # stopped before the 1 MiB on the wire was all read


def test_declared_10_gb_is_refused_before_any_body_byte_is_read(raw: list[RawServer]) -> None:
    def handler(conn: socket.socket, stopping: threading.Event) -> None:
        read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10737418240\r\n\r\n")
        while not stopping.is_set():
            conn.sendall(b"x" * 65536)

    server = serve(raw, handler)
    with (
        fetcher() as f,
        pytest.raises(errors.TooLarge, match=r"announces 10,737,418,240 bytes.*nothing was read") as info,
    ):
        f.get(server.url("/huge"))
    assert [h.bytes for h in info.value.hops] == [0]


def test_an_endless_body_without_a_length_stops_at_the_cap(raw: list[RawServer]) -> None:
    def handler(conn: socket.socket, stopping: threading.Event) -> None:
        read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
        while not stopping.is_set():
            conn.sendall(b"y" * 65536)

    server = serve(raw, handler)
    with fetcher(max_bytes=1_000_000) as f, pytest.raises(errors.TooLarge, match="once decoded") as info:
        f.get(server.url("/endless"))
    assert 1_000_000 < info.value.hops[0].bytes < 1_000_000 + 2 * 65536


def test_raw_deflate_without_the_zlib_header_is_decoded(direct_site: FixtureServer) -> None:
    z = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    direct_site.routes["/deflate"] = Route(
        body=z.compress(b"<rss/>" * 100) + z.flush(), headers={"Content-Encoding": "deflate"}
    )
    with fetcher() as f:
        assert f.get(direct_site.url("/deflate")).body == b"<rss/>" * 100


# --- where a request may go ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def _private_target() -> Iterator[FixtureServer]:
    srv = FixtureServer({"/secret": Route(body=b"internal")}, host="127.0.0.2")
    yield srv
    srv.close()


@pytest.fixture
def private_target(_private_target: FixtureServer) -> FixtureServer:
    """A server on 127.0.0.2, which is not in allow_hosts: no request may ever reach it."""
    _private_target.seen.clear()
    return _private_target


@pytest.fixture(scope="module")
def redirector(_private_target: FixtureServer) -> Iterator[FixtureServer]:
    target = _private_target.url("/secret")
    srv = FixtureServer(
        {
            "/one": Route(status=302, headers={"Location": "/two"}),
            "/two": Route(status=307, headers={"Location": "/three"}),
            "/three": Route(status=301, headers={"Location": target}),
            "/ping": Route(status=302, headers={"Location": "/pong"}),
            "/pong": Route(status=302, headers={"Location": "/ping"}),
            "/to-ftp": Route(status=302, headers={"Location": "ftp://127.0.0.1/feed"}),
            "/to-data": Route(status=302, headers={"Location": "data:text/html,<h1>hi</h1>"}),
            "/to-file": Route(status=301, headers={"Location": "file:///etc/passwd"}),
            "/to-js": Route(status=302, headers={"Location": "javascript:alert(1)"}),
        }
    )
    yield srv
    srv.close()


def test_every_hop_is_checked_not_only_the_first(redirector: FixtureServer, private_target: FixtureServer) -> None:
    with (
        fetcher() as f,
        pytest.raises(errors.BlockedURL, match=r"127\.0\.0\.2, which is not a public address") as info,
    ):
        f.get(redirector.url("/one"))
    assert [h.status for h in info.value.hops] == [302, 307, 301]  # three hops made, the fourth refused
    assert private_target.seen == []


def test_a_two_step_redirect_loop_is_named(redirector: FixtureServer) -> None:
    with fetcher() as f, pytest.raises(errors.TooManyRedirects, match="redirect loop"):
        f.get(redirector.url("/ping"))


@pytest.mark.parametrize("path", ["/to-ftp", "/to-data", "/to-file", "/to-js"])
def test_a_redirect_off_http_is_refused(redirector: FixtureServer, path: str) -> None:
    with fetcher() as f, pytest.raises(errors.BlockedURL, match=r"only http and https|not a valid URL") as info:
        f.get(redirector.url(path))
    assert len(info.value.hops) == 1  # the redirect itself, nothing after it


@pytest.mark.parametrize(
    "host",
    ["127.0.0.2", "0177.0.0.2", "2130706434", "0x7f.2", "127.2", "[::ffff:127.0.0.2]", "0.0.0.0", "[::1]"],
)
def test_private_targets_are_refused_in_every_spelling(private_target: FixtureServer, host: str) -> None:
    with fetcher() as f, pytest.raises(errors.BlockedURL, match=r"not a public address|not a valid URL"):
        f.get(f"http://{host}:{private_target.port}/secret")
    assert private_target.seen == []


@pytest.fixture(scope="module")
def direct_site() -> Iterator[FixtureServer]:
    srv = FixtureServer({"/ok": Route(body=b"direct")})
    yield srv
    srv.close()


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"])
def test_proxy_variables_are_ignored(
    private_target: FixtureServer, direct_site: FixtureServer, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    """The 'proxy' on 127.0.0.2 would see any request routed through it; the allowed host answers directly."""
    direct_site.seen.clear()
    monkeypatch.setenv(variable, private_target.base)
    monkeypatch.setenv("NO_PROXY", "")
    with fetcher() as f:
        assert f.get(direct_site.url("/ok")).body == b"direct"
    with Fetcher(fetch_policy(frozenset())) as f, pytest.raises(errors.BlockedURL):
        f.get(direct_site.url("/ok"))  # and a refused host stays refused: the proxy is no way around the guard
    assert private_target.seen == []
    assert len(direct_site.seen) == 1


# --- TLS ----------------------------------------------------------------------------------------------


def test_a_self_signed_certificate_fails_clearly_and_is_never_retried_unverified(
    raw: list[RawServer], tmp_path: Path
) -> None:

    requests: list[bytes] = []

    def handler(conn: socket.socket, _: threading.Event) -> None:
        requests.append(read_request(conn))
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    server = serve(raw, handler, tls=self_signed_tls(tmp_path))
    with fetcher() as f, pytest.raises(errors.BadCertificate, match="certificate failed verification") as info:
        f.get(server.url("/feed"))
    assert not info.value.transient
    assert "never retries without verification" in str(info.value)
    time.sleep(0.2)  # give a second connection, if there were one, the time to arrive
    assert server.connections == 1
    assert requests == []
