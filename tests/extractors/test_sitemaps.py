"""Sitemaps read by ultimate-sitemap-parser through our client only, against a real server on 127.0.0.1."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from extractors.politeness import HostGate, PoliteFetcher
from extractors.sitemaps import read_sitemaps
from flows.settings import USER_AGENT
from tests.backfill_site import NEWS_PAGES, SITEMAP_PAGES, XML, sitemap_site
from tests.fixture_server import FixtureServer, Route
from tests.policies import fetch_policy, politeness_policy


@pytest.fixture
def site() -> Iterator[FixtureServer]:
    server = sitemap_site()
    yield server
    server.close()


def polite() -> PoliteFetcher:
    return PoliteFetcher(fetch_policy(), politeness_policy(min_delay=0.0), gate=HostGate(2, 0.0))


def test_robots_sitemap_lines_lead_to_the_index_its_sitemaps_and_the_news_sitemap(site: FixtureServer) -> None:
    with polite() as fetcher:
        walk = read_sitemaps(fetcher, site.url("/"), max_documents=10)
    dates = {page.url.removeprefix(site.base): page.published_at for page in walk.pages}
    assert set(dates) == set(SITEMAP_PAGES) | set(NEWS_PAGES)
    assert dates["/2025/01/before-the-talks/"] == datetime(2025, 1, 20, tzinfo=UTC)  # lastmod, a bare day
    assert dates["/2025/02/riyadh-opens/"] == datetime(2025, 2, 18, 9, 30, tzinfo=UTC)  # news:publication_date
    assert dates["/about/"] is None
    titles = {page.url.removeprefix(site.base): page.title for page in walk.pages}
    assert titles["/2025/02/riyadh-opens/"] == "Riyadh Opens a Channel"
    assert walk.problems == []
    assert [s.removeprefix(site.base) for s in walk.sitemaps] == [
        "/sitemap_index.xml",
        "/sitemap-posts.xml",
        "/news-sitemap.xml",
    ]


def test_every_request_is_ours_and_robots_txt_is_read_once(site: FixtureServer) -> None:
    with polite() as fetcher:
        read_sitemaps(fetcher, site.url("/"), max_documents=10)
    # usp's own downloader (requests, with its own User-Agent) would show here with another agent.
    assert site.seen, "nothing was requested"
    assert {seen.headers.get("user-agent") for seen in site.seen} == {USER_AGENT}
    assert len(site.requests_for("/robots.txt")) == 1  # the politeness rules and the Sitemap: lines share it
    assert {s.path for s in site.seen} == {
        "/robots.txt",
        "/sitemap_index.xml",
        "/sitemap-posts.xml",
        "/news-sitemap.xml",
    }


def test_without_sitemap_lines_sitemap_xml_is_tried(site: FixtureServer) -> None:
    site.routes["/robots.txt"] = Route(b"User-agent: *\nDisallow:\n", headers={"Content-Type": "text/plain"})
    site.routes["/sitemap.xml"] = site.routes.pop("/sitemap-posts.xml")
    with polite() as fetcher:
        walk = read_sitemaps(fetcher, site.url("/"), max_documents=10)
    assert {p.url.removeprefix(site.base) for p in walk.pages} == set(SITEMAP_PAGES)


def test_no_sitemap_at_all_finds_nothing_and_says_why(site: FixtureServer) -> None:
    site.routes["/robots.txt"] = Route(status=404)
    with polite() as fetcher:
        walk = read_sitemaps(fetcher, site.url("/"), max_documents=10)
    assert walk.pages == []
    assert any("sitemap.xml: server answered 404" in p for p in walk.problems), walk.problems


def test_the_number_of_sitemaps_read_is_capped(site: FixtureServer) -> None:
    with polite() as fetcher:
        walk = read_sitemaps(fetcher, site.url("/"), max_documents=2)
    assert len(walk.sitemaps) == 2
    assert len(site.requests_for("/news-sitemap.xml")) == 0
    assert any("already read 2 sitemaps (the limit)" in p for p in walk.problems), walk.problems


def test_an_entity_trick_is_refused_before_usp_parses_it(site: FixtureServer) -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>{BASE}/&b;</loc></url></urlset>'
    )
    site.routes["/news-sitemap.xml"] = Route(bomb, headers=XML)
    with polite() as fetcher:
        walk = read_sitemaps(fetcher, site.url("/"), max_documents=10)
    assert any("refers to other entities" in p for p in walk.problems), walk.problems
    assert {p.url.removeprefix(site.base) for p in walk.pages} == set(SITEMAP_PAGES)


def test_pages_of_other_sites_are_not_taken(site: FixtureServer) -> None:
    site.routes["/sitemap-posts.xml"] = Route(
        b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<url><loc>https://elsewhere.example/2025/02/x/</loc></url><url><loc>{BASE}/mine/</loc></url></urlset>",
        headers=XML,
    )
    with polite() as fetcher:
        walk = read_sitemaps(fetcher, site.url("/"), max_documents=10)
    assert "https://elsewhere.example/2025/02/x/" not in {p.url for p in walk.pages}
    assert site.url("/mine/") in {p.url for p in walk.pages}


def test_a_gzipped_sitemap_is_inflated_within_the_size_cap(site: FixtureServer) -> None:
    posts = site.routes.pop("/sitemap-posts.xml")
    assert isinstance(posts, Route)
    site.routes["/sitemap-posts.xml.gz"] = Route(
        gzip.compress(posts.body.replace(b"{BASE}", site.base.encode())), headers={"Content-Type": "application/x-gzip"}
    )
    index = site.routes["/sitemap_index.xml"]
    assert isinstance(index, Route)
    index.body = index.body.replace(b"/sitemap-posts.xml<", b"/sitemap-posts.xml.gz<")
    bomb = gzip.compress(b"<" + b" " * 3_000_000 + b">")
    site.routes["/news-sitemap.xml"] = Route(bomb, headers={"Content-Type": "application/x-gzip"})
    fetcher = PoliteFetcher(fetch_policy(max_bytes=1_000_000), politeness_policy(min_delay=0.0), gate=HostGate(2, 0.0))
    with fetcher:
        walk = read_sitemaps(fetcher, site.url("/"), max_documents=10)
    assert {p.url.removeprefix(site.base) for p in walk.pages} == set(SITEMAP_PAGES)
    assert any("inflates to more than the 1,000,000-byte cap" in p for p in walk.problems), walk.problems
