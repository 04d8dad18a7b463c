"""robots.txt, per-host limits and Retry-After holds, against real servers on 127.0.0.1 and 127.0.0.2."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from extractors import errors
from extractors.politeness import ROBOTS_MAX_BYTES, HostGate, PoliteFetcher
from tests.fixture_server import FixtureServer, Route
from tests.policies import fetch_policy, politeness_policy

BOTH = frozenset({"127.0.0.1", "127.0.0.2"})
ROBOTS = b"""# ours first, then everyone else
User-agent: tealeaves
Disallow: /private/
Allow: /

User-agent: *
Disallow: /
"""


def polite(per_host: int = 2, min_delay: float = 0.0, **policy: Any) -> PoliteFetcher:
    """A fetcher with its own gate, so tests do not share per-host state."""
    return PoliteFetcher(
        fetch_policy(BOTH, **policy),
        politeness_policy(per_host=per_host, min_delay=min_delay),
        gate=HostGate(per_host, min_delay),
    )


def _routes() -> dict[str, Route]:
    return {
        "/robots.txt": Route(body=ROBOTS, headers={"Content-Type": "text/plain"}),
        "/public/a": Route(body=b"<html>a</html>"),
        "/public/b": Route(body=b"<html>b</html>"),
        "/private/x": Route(body=b"<html>secret</html>"),
        "/limited": Route(status=429, body=b"slow down", headers={"Retry-After": "120"}),
    }


@pytest.fixture(scope="module")
def _site() -> Iterator[FixtureServer]:
    srv = FixtureServer(_routes())
    yield srv
    srv.close()


@pytest.fixture
def site(_site: FixtureServer) -> FixtureServer:
    """The test site with its routes as first served and no requests seen yet."""
    _site.routes = dict(_routes())
    _site.seen.clear()
    return _site


def paths(server: FixtureServer) -> list[str]:
    return [s.path for s in server.seen]


def test_robots_is_read_once_and_its_rules_for_our_agent_are_kept(site: FixtureServer) -> None:
    with polite() as f:
        first = f.get(site.url("/public/a"))
        with pytest.raises(errors.RobotsDisallowed, match=r"robots\.txt disallows it") as info:
            f.get(site.url("/private/x"))
        second = f.get(site.url("/public/b"))
    assert paths(site) == ["/robots.txt", "/public/a", "/public/b"]  # the disallowed page never asked for
    assert not info.value.transient
    assert [h.url for h in first.hops] == [site.url("/robots.txt"), site.url("/public/a")]  # recorded, once
    assert [h.url for h in second.hops] == [site.url("/public/b")]
    assert all(s.headers["user-agent"].startswith("tealeaves/") for s in site.seen)


def test_groups_are_matched_on_our_product_token_only(site: FixtureServer) -> None:
    # "reader" appears in the comment of tealeaves' User-Agent; that crawler's group is not ours.
    site.routes["/robots.txt"] = Route(body=b"User-agent: reader\nDisallow: /\n\nUser-agent: *\nAllow: /\n")
    with polite() as f:
        assert "reader" in f.policy.user_agent
        assert f.agent == "tealeaves"
        assert f.get(site.url("/public/a")).status == 200


@pytest.mark.parametrize("status", [404, 403, 410])
def test_a_missing_robots_txt_allows_everything(site: FixtureServer, status: int) -> None:
    site.routes["/robots.txt"] = Route(status=status, body=b"no")
    with polite() as f:
        assert f.get(site.url("/private/x")).body == b"<html>secret</html>"


def test_an_unreachable_robots_txt_means_wait_and_nothing_is_fetched(site: FixtureServer) -> None:
    site.routes["/robots.txt"] = Route(status=503, body=b"down")
    with polite() as f:
        for path in ("/public/a", "/public/b"):
            with pytest.raises(errors.ConnectionFailed, match="could not be read") as info:
                f.get(site.url(path))
            assert info.value.transient  # the page is not settled: it is tried again next run
    assert paths(site) == ["/robots.txt"]


def test_robots_txt_goes_through_the_guard_and_the_cap(site: FixtureServer) -> None:
    site.routes["/robots.txt"] = Route(body=b"User-agent: *\nDisallow: /nothing\n" * (ROBOTS_MAX_BYTES // 30))
    with polite() as f, pytest.raises(errors.RobotsDisallowed, match="larger than 512 KiB"):
        f.get(site.url("/public/a"))
    site.routes["/robots.txt"] = Route(status=302, headers={"Location": "http://127.0.0.2:1/robots.txt"})
    with PoliteFetcher(fetch_policy(), politeness_policy(), gate=HostGate(2, 0)) as f:
        # the redirect to a refused address is not followed; without rules, the page may be fetched
        assert f.get(site.url("/public/a")).body == b"<html>a</html>"


def test_a_robots_txt_that_disallows_all_stops_everything(site: FixtureServer) -> None:
    site.routes["/robots.txt"] = Route(body=b"User-agent: *\nDisallow: /\n")
    with polite() as f, pytest.raises(errors.RobotsDisallowed):
        f.get(site.url("/public/a"))
    assert paths(site) == ["/robots.txt"]


class Concurrency:
    """A handler that takes 0.3 s per request and records how many were in flight at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now = 0
        self.most = 0
        self.starts: list[float] = []

    def __call__(self, handler: BaseHTTPRequestHandler) -> None:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
            self.starts.append(time.monotonic())
        time.sleep(0.3)
        with self.lock:
            self.now -= 1
        handler.send_response(200)
        handler.send_header("Content-Length", "2")
        handler.end_headers()
        handler.wfile.write(b"ok")


def test_at_most_n_requests_at_once_per_host_and_other_hosts_are_not_held_up() -> None:
    one, two = Concurrency(), Concurrency()
    first = FixtureServer({f"/p{i}": one for i in range(8)})
    second = FixtureServer({f"/p{i}": two for i in range(8)}, host="127.0.0.2")
    try:
        with polite(per_host=2) as f, ThreadPoolExecutor(max_workers=16) as pool:
            urls = [first.url(f"/p{i}") for i in range(8)] + [second.url(f"/p{i}") for i in range(8)]
            list(pool.map(f.get, urls))
    finally:
        first.close()
        second.close()
    assert one.most == 2
    assert two.most == 2
    assert min(two.starts) - min(one.starts) < 0.3 * 4  # the second host started long before the first was done


def test_a_minimum_delay_separates_the_starts_of_requests_to_one_host() -> None:
    timing = Concurrency()
    srv = FixtureServer({f"/p{i}": timing for i in range(4)})
    try:
        with polite(per_host=4, min_delay=0.5) as f, ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(f.get, [srv.url(f"/p{i}") for i in range(4)]))
    finally:
        srv.close()
    starts = sorted(timing.starts)
    assert all(b - a >= 0.3 for a, b in itertools.pairwise(starts)), starts  # 0.5 s, less transit jitter


def test_crawl_delay_in_robots_txt_slows_requests_further(site: FixtureServer) -> None:
    site.routes["/robots.txt"] = Route(body=b"User-agent: *\nCrawl-delay: 0.5\n")
    timing = Concurrency()
    for i in range(3):
        site.routes[f"/c{i}"] = timing
    with polite(per_host=4) as f, ThreadPoolExecutor(max_workers=3) as pool:
        list(pool.map(f.get, [site.url(f"/c{i}") for i in range(3)]))
    starts = sorted(timing.starts)
    assert all(b - a >= 0.3 for a, b in itertools.pairwise(starts)), starts  # 0.5 s, less transit jitter


def test_after_retry_after_the_host_is_not_asked_again_before_then(site: FixtureServer) -> None:
    with polite() as f:
        with pytest.raises(errors.ServerBusy) as busy:
            f.get(site.url("/limited"))
        assert busy.value.retry_after == 120
        assert [h.status for h in busy.value.hops] == [200, 429]  # robots.txt, then the page: both recorded
        with pytest.raises(errors.ServerBusy, match="not requested") as held:
            f.get(site.url("/public/a"))
    assert held.value.transient
    assert held.value.retry_after is not None
    assert held.value.retry_after > 100
    assert paths(site) == ["/robots.txt", "/limited"]


def test_the_shared_gate_is_one_per_process() -> None:
    assert HostGate.shared(2, 1.0) is HostGate.shared(2, 1.0)
    assert HostGate.shared(2, 1.0) is not HostGate.shared(3, 1.0)
