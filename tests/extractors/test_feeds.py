"""Feed bytes to entries."""

from __future__ import annotations

import time

import pytest

from extractors import errors
from extractors.feeds import parse_feed
from extractors.models import FeedHints

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
<item><title>A</title><link>/a?utm_source=x</link><guid>g1</guid>
<pubDate>Wed, 12 Mar 2025 08:00:00 +0000</pubDate></item>
<item><title>B</title><link>javascript:alert(1)</link></item>
<item><title>C</title><description>no link, no guid</description></item>
<item><title>A again</title><link>/a2</link><guid>g1</guid></item>
</channel></rss>"""


def test_links_resolved_filtered_and_keys_stable() -> None:
    feed = parse_feed(RSS, url="https://example.org/feed/", headers={"Content-Type": "application/rss+xml"})
    assert [e.title for e in feed.entries] == ["A", "B", "C"]
    first, js, linkless = feed.entries
    assert first.url == "https://example.org/a?utm_source=x"
    assert first.published_at is not None
    assert first.published_at.isoformat() == "2025-03-12T08:00:00+00:00"
    assert js.url is None
    assert linkless.url is None
    again = parse_feed(RSS, url="https://example.org/feed/")
    assert [e.key for e in again.entries] == [e.key for e in feed.entries]
    assert any("duplicate entry" in w for w in feed.warnings)
    assert any("javascript" in w for w in feed.warnings)


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"<!DOCTYPE html><html><body>hi</body></html>", "HTML page"),
        (b'{"not": "a feed"}', "JSON"),
        (b"", "empty"),
    ],
)
def test_not_a_feed_says_what_it_is(body: bytes, words: str) -> None:
    with pytest.raises(errors.NotAFeed, match=words):
        parse_feed(body, url="https://example.org/feed")


def test_entity_bomb_is_refused_before_parsing_and_fast() -> None:
    lol = b'<!ENTITY lol "' + b"lol" * 10_000 + b'">'
    body = b'<?xml version="1.0"?><!DOCTYPE rss [' + lol + b']><rss version="2.0"><channel><title>&lol;</title>'
    body += b"<item><title>&lol;&lol;&lol;&lol;</title></item>" * 2000 + b"</channel></rss>"
    started = time.monotonic()
    with pytest.raises(errors.HostileFeed, match="expand without bound"):
        parse_feed(body, url="https://example.org/feed")
    assert time.monotonic() - started < 1.0


def test_external_entity_is_refused() -> None:
    body = b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]><rss><channel><title>&x;</title></channel></rss>'
    with pytest.raises(errors.HostileFeed, match="external entity"):
        parse_feed(body, url="https://example.org/feed")


def test_small_entity_like_nbsp_still_works() -> None:
    body = b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY nbsp "&#160;">]><rss version="2.0"><channel><title>a&nbsp;b</title><item><title>x</title><link>https://e.org/x</link></item></channel></rss>'
    feed = parse_feed(body, url="https://example.org/feed")
    assert feed.title == "a\xa0b"
    assert len(feed.entries) == 1


HINTED = b"""<?xml version="1.0"?>
<rss version="2.0" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"><channel><title>T</title>
<ttl>1440</ttl><sy:updatePeriod>Hourly</sy:updatePeriod><sy:updateFrequency>2</sy:updateFrequency>
<skipHours><hour>3</hour><hour>4</hour><hour>24</hour><hour>99</hour></skipHours>
<skipDays><day>Sunday</day><day>saturday</day><day>Blursday</day></skipDays>
<item><title>A</title><link>https://example.org/a</link></item>
</channel></rss>"""


def test_feed_level_polling_hints_are_read_every_hour_and_day_of_them() -> None:
    hints = parse_feed(HINTED, url="https://example.org/feed/").hints
    assert hints.ttl_minutes == 1440
    assert (hints.update_period, hints.update_frequency) == ("hourly", 2)
    assert hints.skip_hours == (0, 3, 4)  # 24 is midnight; 99 is no hour
    assert hints.skip_days == ("Saturday", "Sunday")


def test_a_feed_without_hints_or_with_nonsense_ones_has_none() -> None:
    assert parse_feed(RSS, url="https://example.org/feed/").hints == FeedHints()
    nonsense = HINTED.replace(b"1440", b"soon").replace(b"Hourly", b"fortnightly").replace(b">2<", b">-1<")
    hints = parse_feed(nonsense, url="https://example.org/feed/").hints
    assert (hints.ttl_minutes, hints.update_period, hints.update_frequency) == (None, None, None)
