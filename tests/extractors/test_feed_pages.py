"""A feed's older pages (WordPress ``?paged=N``), walked against a real server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

import pytest

from extractors import errors
from extractors.feed_pages import page_url, read_feed_pages
from extractors.fetch import Fetcher
from extractors.models import FeedEntry
from tests.backfill_site import FEED_PAGES, RSS, feed, paged_site
from tests.fixture_server import FixtureServer, Route
from tests.policies import fetch_policy


@pytest.fixture
def site() -> Iterator[FixtureServer]:
    server = paged_site()
    yield server
    server.close()


def all_new(entries: Sequence[FeedEntry]) -> int:
    return len(entries)


def test_page_url_adds_or_replaces_paged() -> None:
    assert page_url("https://a.example/feed/", 2) == "https://a.example/feed/?paged=2"
    assert page_url("https://a.example/?feed=rss2&paged=2", 3) == "https://a.example/?feed=rss2&paged=3"


def test_the_walk_reads_page_two_and_stops_at_the_404_of_page_three(site: FixtureServer) -> None:
    with Fetcher(fetch_policy()) as fetcher:
        walk = read_feed_pages(fetcher, site.url("/feed/"), max_pages=10, since=None, unseen=all_new, wanted=100)
    expected = [path for page in FEED_PAGES.values() for path, _, _ in page]
    assert [e.url for e in walk.entries] == [site.url(p) for p in expected]
    assert walk.pages == 2
    assert "page 3 could not be read" in walk.stopped
    assert "404" in walk.stopped
    assert [s.path for s in site.seen] == ["/feed/", "/feed/?paged=2", "/feed/?paged=3"]


def test_a_server_that_ignores_paged_ends_the_walk(site: FixtureServer) -> None:
    site.routes["/feed/?paged=2"] = Route(feed(FEED_PAGES[1]), headers=RSS)  # the first page again
    with Fetcher(fetch_policy()) as fetcher:
        walk = read_feed_pages(fetcher, site.url("/feed/"), max_pages=10, since=None, unseen=all_new, wanted=100)
    assert len(walk.entries) == 2
    assert walk.stopped == "page 2 lists nothing new"
    assert len(site.seen) == 2


def test_a_page_older_than_since_ends_the_walk(site: FixtureServer) -> None:
    site.routes["/feed/?paged=3"] = Route(feed([("/x/", "x", "Mon, 01 Jan 2024 08:00:00 +0000")]), headers=RSS)
    since = datetime(2025, 3, 1, tzinfo=UTC)  # page 2 is all older
    with Fetcher(fetch_policy()) as fetcher:
        walk = read_feed_pages(fetcher, site.url("/feed/"), max_pages=10, since=since, unseen=all_new, wanted=100)
    assert walk.pages == 2
    assert "older than 2025-03-01" in walk.stopped
    assert site.requests_for("/feed/?paged=3") == []


def test_the_walk_stops_once_it_holds_what_one_backfill_fetches(site: FixtureServer) -> None:
    with Fetcher(fetch_policy()) as fetcher:
        walk = read_feed_pages(fetcher, site.url("/feed/"), max_pages=10, since=None, unseen=all_new, wanted=2)
    assert walk.pages == 1
    assert site.requests_for("/feed/?paged=2") == []


def test_stored_pages_do_not_end_the_walk(site: FixtureServer) -> None:
    """A backfill cut short by its limit stored the newest pages: the next one must walk past them."""
    with Fetcher(fetch_policy()) as fetcher:
        walk = read_feed_pages(fetcher, site.url("/feed/"), max_pages=10, since=None, unseen=lambda e: 0, wanted=2)
    assert walk.pages == 2
    assert "page 3 could not be read" in walk.stopped


def test_the_page_limit_holds(site: FixtureServer) -> None:
    with Fetcher(fetch_policy()) as fetcher:
        walk = read_feed_pages(fetcher, site.url("/feed/"), max_pages=1, since=None, unseen=all_new, wanted=100)
    assert walk.pages == 1
    assert walk.stopped == "read 1 pages (the limit)"


def test_a_feed_that_cannot_be_read_is_raised(site: FixtureServer) -> None:
    site.routes.pop("/feed/")
    with Fetcher(fetch_policy()) as fetcher, pytest.raises(errors.HTTPStatusError, match="404"):
        read_feed_pages(fetcher, site.url("/feed/"), max_pages=3, since=None, unseen=all_new, wanted=100)
