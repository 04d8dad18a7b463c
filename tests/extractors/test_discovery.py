"""Finding a site's feed: links read from a page, the usual paths, and discovery over a real local server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from extractors import errors
from extractors.discovery import FeedLink, candidate_urls, discover, feed_links, is_comments_feed, main_first
from extractors.fetch import Fetcher
from tests.fixture_server import FixtureServer, Route
from tests.policies import fetch_policy

RSS = "application/rss+xml; charset=UTF-8"


def rss(title: str) -> bytes:
    """A small RSS 2.0 feed called ``title`` with one item."""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>{title}</title>'
        "<link>{BASE}/</link><item><title>Talks in Riyadh</title><link>{BASE}/2025/02/riyadh/</link>"
        "<guid>riyadh</guid></item></channel></rss>"
    ).encode()


PAGE = b"""<!DOCTYPE html><html><head><title>Outlet</title>
<link rel="alternate" type="application/rss+xml" title="Outlet &raquo; Comments Feed" href="/comments/feed/">
<link rel="alternate" type="application/json" href="/wp-json/wp/v2/pages/2">
<link rel="Alternate stylesheet" type="APPLICATION/RSS+XML" title="Outlet &raquo; Feed" href="feed/">
<link rel="alternate" type="application/atom+xml" href="{BASE}/feed/?utm_source=x">
<link rel="alternate" type="application/feed+json" title="Outlet JSON" href="https://other.example/feed.json">
</head><body><a href="/elsewhere.xml" rel="alternate" type="application/rss+xml">not a head link</a></body></html>"""


def test_feed_links_reads_rss_atom_and_json_feed_links_resolved_once_each() -> None:
    links = feed_links(PAGE.replace(b"{BASE}", b"https://outlet.example"), "https://outlet.example/about/")
    assert links == [
        FeedLink("https://outlet.example/comments/feed/", "Outlet » Comments Feed"),
        FeedLink("https://outlet.example/about/feed/", "Outlet » Feed"),
        FeedLink("https://outlet.example/feed/?utm_source=x", None),
        FeedLink("https://other.example/feed.json", "Outlet JSON"),
    ]  # no REST API link (application/json), no <a>, the utm_ copy of /feed/ kept apart from about/feed/


def test_feed_links_honours_base_href_and_skips_what_cannot_be_fetched() -> None:
    page = (
        b'<html><head><base href="https://cdn.example/site/">'
        b'<link rel="alternate" type="application/rss+xml" href="rss.xml">'
        b'<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)"></head></html>'
    )
    assert feed_links(page, "https://outlet.example/") == [FeedLink("https://cdn.example/site/rss.xml")]


def test_comments_feeds_go_last() -> None:
    comments = FeedLink("https://o.example/comments/feed/")
    titled = FeedLink("https://o.example/c.xml", "Outlet » Comments Feed")
    query = FeedLink("https://o.example/?feed=comments-rss2")
    main = FeedLink("https://o.example/feed/", "Outlet » Feed")
    assert all(is_comments_feed(link) for link in (comments, titled, query))
    assert not is_comments_feed(main)
    assert main_first([comments, titled, main, query]) == [main, comments, titled, query]


def test_candidates_are_the_usual_paths_on_the_sites_host() -> None:
    assert candidate_urls("https://outlet.example/blog/post?x=1") == [
        "https://outlet.example/feed/",
        "https://outlet.example/rss",
        "https://outlet.example/feed.xml",
        "https://outlet.example/atom.xml",
        "https://outlet.example/index.xml",
        "https://outlet.example/rss.xml",
        "https://outlet.example/feed",
    ]


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(fetch_policy()) as client:
        yield client


def test_a_site_that_links_its_feed_and_its_comments_feed_gets_the_main_one(fetcher: Fetcher) -> None:
    server = FixtureServer(
        {
            "/": Route(body=PAGE),
            "/feed/": Route(body=rss("Outlet"), headers={"Content-Type": RSS}),
            "/comments/feed/": Route(body=rss("Comments on Outlet"), headers={"Content-Type": RSS}),
        }
    )
    try:
        found = discover(server.url("/"), lambda url, accept: fetcher.get(url, accept=accept))
    finally:
        server.close()
    assert (found.feed, found.title, found.site, found.how) == (
        server.url("/feed/"),
        "Outlet",
        server.url("/"),
        "linked",
    )
    # The utm_ link is /feed/ again (one canonical URL); the comments feed is offered last.
    assert [o.url for o in found.others] == ["https://other.example/feed.json", server.url("/comments/feed/")]
    assert [s.path for s in server.seen] == ["/", "/feed/"]  # the others are shown, not fetched


def test_a_site_that_links_no_feed_is_tried_at_the_usual_paths_until_one_parses(fetcher: Fetcher) -> None:
    server = FixtureServer(
        {
            "/": Route(body=b"<html><head><title>Plain</title></head><body>Hello</body></html>"),
            "/feed/": Route(body=b"<html><body>a page, not a feed</body></html>"),
            "/feed.xml": Route(body=rss("Plain site"), headers={"Content-Type": "application/xml"}),
            "/feed": Route(body=rss("never asked")),
        }
    )
    try:
        found = discover(server.url("/"), lambda url, accept: fetcher.get(url, accept=accept))
    finally:
        server.close()
    assert (found.feed, found.title, found.how, found.others) == (server.url("/feed.xml"), "Plain site", "path", ())
    assert [s.path for s in server.seen] == ["/", "/feed/", "/rss", "/feed.xml"]


def test_a_url_that_is_a_feed_is_the_feed(fetcher: Fetcher) -> None:
    server = FixtureServer({"/weapons/feed": Route(body=rss("Weapons"), headers={"Content-Type": RSS})})
    try:
        found = discover(server.url("/weapons/feed"), lambda url, accept: fetcher.get(url, accept=accept))
    finally:
        server.close()
    assert (found.feed, found.title, found.site, found.how) == (
        server.url("/weapons/feed"),
        "Weapons",
        server.url("/"),
        "feed",
    )
    assert [s.path for s in server.seen] == ["/weapons/feed"]
    assert "application/rss+xml" in server.seen[0].headers["accept"]


def test_no_feed_anywhere_says_what_was_tried(fetcher: Fetcher) -> None:
    server = FixtureServer({"/": Route(body=b"<html><body>no feed here</body></html>")})
    try:
        with pytest.raises(errors.NotAFeed) as info:
            discover(server.url("/"), lambda url, accept: fetcher.get(url, accept=accept))
    finally:
        server.close()
    message = str(info.value)
    assert message.startswith(server.url("/") + ": no feed found")
    assert "it links no feed" in message
    assert "/feed/, /rss, /feed.xml" in message
    assert "pass the feed's URL" in message


def test_a_hostile_feed_is_refused_not_passed_over(fetcher: Fetcher) -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]><rss version="2.0"/>'
    server = FixtureServer({"/feed": Route(body=bomb, headers={"Content-Type": RSS})})
    try:
        with pytest.raises(errors.HostileFeed):
            discover(server.url("/feed"), lambda url, accept: fetcher.get(url, accept=accept))
    finally:
        server.close()
