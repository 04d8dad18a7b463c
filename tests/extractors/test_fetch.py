"""The guarded client against a real server on 127.0.0.1."""

from __future__ import annotations

import gzip
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from extractors import errors
from extractors import fetch as fetch_module
from extractors.fetch import Fetcher
from tests.fixture_server import FixtureServer, Route
from tests.policies import fetch_policy


def _trickle(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Length", "1000")
    handler.end_headers()
    for _ in range(1000):
        handler.wfile.write(b"x")
        handler.wfile.flush()
        time.sleep(0.2)


def _huge_declared(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Length", str(10 * 1024**3))
    handler.end_headers()
    handler.wfile.write(b"x" * 1024)


BOMB = gzip.compress(b"\0" * (50 * 1024 * 1024))


@pytest.fixture
def server() -> Iterator[FixtureServer]:
    srv = FixtureServer(
        {
            "/ok": Route(body=b"<html>hello</html>"),
            "/feed": Route(body=b"<rss/>", conditional=True),
            "/gone": Route(status=404, body=b"no"),
            "/busy": Route(status=503, body=b"later", headers={"Retry-After": "120"}),
            "/limited": Route(status=429, body=b"slow down", headers={"Retry-After": "Wed, 21 Oct 2099 07:28:00 GMT"}),
            "/hop1": Route(status=302, headers={"Location": "/hop2"}),
            "/hop2": Route(status=301, headers={"Location": "/ok"}),
            "/loop": Route(status=302, headers={"Location": "/loop"}),
            "/to-file": Route(status=302, headers={"Location": "file:///etc/passwd"}),
            "/to-localhost": Route(status=302, headers={"Location": "http://localhost:{PORT}/ok"}),
            "/bomb": Route(body=BOMB, headers={"Content-Encoding": "gzip"}),
            "/trickle": _trickle,
            "/huge": _huge_declared,
        }
    )
    for route in srv.routes.values():
        if isinstance(route, Route):
            route.headers = {k: v.replace("{PORT}", str(srv.port)) for k, v in route.headers.items()}
    yield srv
    srv.close()


def fetcher(**kw: Any) -> Fetcher:
    return Fetcher(fetch_policy(**kw))


def test_plain_get_returns_bytes_and_records_the_hop(server: FixtureServer) -> None:
    with fetcher() as f:
        result = f.get(server.url("/ok"))
    assert result.body == b"<html>hello</html>"
    assert result.status == 200
    assert [h.status for h in result.hops] == [200]
    assert server.seen[0].headers["user-agent"].startswith("tealeaves/")


def test_conditional_get_gets_304_with_no_body(server: FixtureServer) -> None:
    with fetcher() as f:
        first = f.get(server.url("/feed"))
        second = f.get(server.url("/feed"), etag=first.etag, last_modified=first.last_modified)
    assert second.status == 304
    assert second.body == b""


def test_redirects_are_followed_and_each_hop_recorded(server: FixtureServer) -> None:
    with fetcher() as f:
        result = f.get(server.url("/hop1"))
    assert result.url == server.url("/ok")
    assert [h.status for h in result.hops] == [302, 301, 200]


@pytest.mark.parametrize(
    ("path", "error", "words"),
    [
        ("/loop", errors.TooManyRedirects, "redirect loop"),
        ("/to-file", errors.BlockedURL, "only http and https"),
        ("/to-localhost", errors.BlockedURL, "not a public address"),
        ("/gone", errors.HTTPStatusError, "answered 404"),
        ("/huge", errors.TooLarge, "nothing was read"),
    ],
)
def test_refusals_are_typed_and_say_why(server: FixtureServer, path: str, error: type, words: str) -> None:
    with fetcher() as f, pytest.raises(error, match=words):
        f.get(server.url(path))


def test_too_many_redirects_counts_hops(server: FixtureServer) -> None:
    with fetcher(max_redirects=1) as f, pytest.raises(errors.TooManyRedirects, match="more than 1") as info:
        f.get(server.url("/hop1"))
    assert [h.status for h in info.value.hops] == [302, 301]


def test_a_refused_redirect_keeps_the_hops_before_it_and_records_none_for_itself(server: FixtureServer) -> None:
    with fetcher() as f, pytest.raises(errors.BlockedURL, match="allow_hosts") as info:
        f.get(server.url("/to-localhost"))
    assert [(h.url, h.status) for h in info.value.hops] == [(server.url("/to-localhost"), 302)]
    assert info.value.url == f"http://localhost:{server.port}/ok"


def test_request_context_puts_the_earlier_hops_first_and_fills_in_a_missing_url() -> None:
    earlier = fetch_module.Hop("https://a.example/robots.txt", 200, None, None, 10, datetime.now(UTC), 1.0)
    own = fetch_module.Hop("https://a.example/page", 404, None, None, 2, datetime.now(UTC), 1.0)
    failure = errors.NotAFeed("no feed here")
    failure.hops = (own,)
    with pytest.raises(errors.NotAFeed) as info, fetch_module.request_context("https://a.example/page", [earlier]):
        raise failure
    assert info.value.hops == (earlier, own)
    assert info.value.url == "https://a.example/page"
    with pytest.raises(errors.NotAFeed) as named, fetch_module.request_context("https://b.example/", []):
        raise errors.NotAFeed("x", url="https://a.example/feed")
    assert named.value.url == "https://a.example/feed"  # the error's own, more precise URL is kept


def test_retry_after_seconds_and_http_date(server: FixtureServer) -> None:
    with fetcher() as f:
        with pytest.raises(errors.ServerBusy) as busy:
            f.get(server.url("/busy"))
        with pytest.raises(errors.ServerBusy) as limited:
            f.get(server.url("/limited"))
    assert busy.value.retry_after == 120
    assert busy.value.transient
    assert limited.value.retry_after is not None
    assert limited.value.retry_after > 365 * 24 * 3600


def test_gzip_bomb_stops_at_the_decoded_cap(server: FixtureServer) -> None:
    with fetcher(max_bytes=1_000_000) as f, pytest.raises(errors.TooLarge, match="once decoded"):
        f.get(server.url("/bomb"))


def test_a_trickle_is_stopped_by_the_overall_deadline(server: FixtureServer) -> None:
    started = time.monotonic()
    with fetcher(deadline=1.0, read_timeout=5.0) as f, pytest.raises(errors.FetchTimeout, match="deadline"):
        f.get(server.url("/trickle"))
    assert time.monotonic() - started < 5.0  # far below the 200 s the trickle would take


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "2130706433", "0x7f.1", "127.1"])
def test_loopback_in_any_spelling_is_refused_unless_allowed(server: FixtureServer, host: str) -> None:
    url = f"http://{host}:{server.port}/ok"
    with Fetcher(fetch_policy(frozenset())) as f, pytest.raises(errors.BlockedURL, match="not a public address"):
        f.get(url)
    assert server.seen == []


def test_proxy_in_environment_does_not_bypass_the_guard(server: FixtureServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", server.base)
    monkeypatch.setenv("http_proxy", server.base)
    with Fetcher(fetch_policy(frozenset())) as f, pytest.raises(errors.BlockedURL):
        f.get("http://localhost:9/ok")
    assert server.seen == []


def test_dead_host_is_a_transient_connection_failure() -> None:
    with fetcher() as f, pytest.raises(errors.ConnectionFailed) as info:
        f.get("http://127.0.0.1:1/feed")
    assert info.value.transient
    assert len(info.value.hops) == 1


def test_fetchers_share_one_tls_context(monkeypatch: pytest.MonkeyPatch) -> None:
    # Building a verifying context loads the CA bundle (tens of ms of CPU); a run opens a Fetcher per
    # feed poll and per source, so each must reuse the process's context rather than build its own.
    import ssl

    with Fetcher(fetch_policy(frozenset())):
        pass  # the process's context exists from here on
    built: list[object] = []
    real = ssl.create_default_context

    def counted(*a: Any, **k: Any) -> ssl.SSLContext:
        built.append(a)
        return real(*a, **k)

    monkeypatch.setattr(ssl, "create_default_context", counted)
    for _ in range(3):
        with Fetcher(fetch_policy(frozenset())):
            pass
    assert built == []


def test_a_policys_extra_headers_go_with_every_request_but_never_replace_the_requests_own() -> None:
    server = FixtureServer({"/a": Route(status=302, headers={"Location": "/b"}), "/b": Route(body=b"ok")})
    extra = (("Cookie", "consent=yes"), ("Host", "evil.test"), ("Accept-Encoding", "br"), ("If-None-Match", '"x"'))
    try:
        with Fetcher(fetch_policy(extra_headers=extra)) as fetcher:
            assert fetcher.get(server.url("/a")).body == b"ok"
    finally:
        server.close()
    assert [s.path for s in server.seen] == ["/a", "/b"]
    for seen in server.seen:
        assert seen.headers["cookie"] == "consent=yes"
        assert seen.headers["host"] == f"127.0.0.1:{server.port}"
        assert seen.headers["accept-encoding"] == "gzip, deflate"
        assert "if-none-match" not in seen.headers
        assert seen.headers["user-agent"].startswith("tealeaves/")
