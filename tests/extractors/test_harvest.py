"""What a feed poll's answer says about the next poll, read from its headers over a real local server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from extractors.fetch import Fetcher
from extractors.harvest import poll_feed, poll_hints
from extractors.models import FeedHints
from tests.fixture_server import FixtureServer, Route
from tests.policies import fetch_policy

FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><ttl>60</ttl></channel></rss>'
CACHED = {
    "Content-Type": "application/rss+xml",
    "Cache-Control": "public, max-age=86400",
    "Expires": "Fri, 04 Dec 2026 10:00:00 GMT",
    "Date": "Thu, 03 Dec 2026 10:00:00 GMT",
}


@pytest.fixture
def server() -> Iterator[FixtureServer]:
    served = FixtureServer({"/feed": Route(body=FEED, headers=CACHED, conditional=True)})
    yield served
    served.close()


def test_a_200_and_a_304_both_carry_the_cache_headers(server: FixtureServer) -> None:
    with Fetcher(fetch_policy()) as fetcher:
        first = poll_feed(fetcher, server.url("/feed"), etag=None, last_modified=None)
        again = poll_feed(fetcher, server.url("/feed"), etag=first.etag, last_modified=first.last_modified)
    assert first.status == 200
    assert first.hints.max_age == 86400
    assert first.hints.expires == datetime(2026, 12, 4, 10, tzinfo=UTC)
    assert first.hints.feed == FeedHints(ttl_minutes=60)
    assert again.status == 304
    assert again.hints.max_age == 86400
    assert again.hints.feed is None  # nothing was read: the kept feed hints stand in


@pytest.mark.parametrize(
    ("headers", "max_age", "no_store", "expires"),
    [
        ({"Cache-Control": "no-store"}, None, True, None),
        ({"cache-control": 'max-age="600", must-revalidate'}, 600, False, None),
        ({"Cache-Control": "max-age=soon"}, None, False, None),
        ({"Expires": "0"}, None, False, None),  # an invalid date means "already expired"
        ({"Expires": "Thu, 03 Dec 2026 12:00:00 GMT"}, None, False, datetime(2026, 12, 3, 12, tzinfo=UTC)),
    ],
)
def test_header_values_are_read_leniently(
    headers: dict[str, str], max_age: float | None, no_store: bool, expires: datetime | None
) -> None:
    hints = poll_hints(headers)
    assert (hints.max_age, hints.no_store, hints.expires) == (max_age, no_store, expires)
