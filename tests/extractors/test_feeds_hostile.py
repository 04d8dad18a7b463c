"""Broken and hostile feeds, served over HTTP from 127.0.0.1: every one ends as entries or a typed error
that says why, quickly, and never with a request or a file read that should not happen."""

from __future__ import annotations

import io
import json
import os
import threading
import time
import xml.sax
import xml.sax.handler
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from extractors import errors
from extractors.feeds import parse_feed
from extractors.fetch import Fetcher
from extractors.harvest import poll_feed
from tests.fixture_server import FixtureServer, Route
from tests.policies import fetch_policy
from warehouse import load, state
from warehouse.db import open_writer
from warehouse.records import EntryRow, SourceBatch

RSS_TYPE = {"Content-Type": "application/rss+xml"}


def rss(items: str, *, declaration: str = '<?xml version="1.0"?>', title: str = "Feed") -> bytes:
    return f'{declaration}<rss version="2.0"><channel><title>{title}</title>{items}</channel></rss>'.encode()


def item(n: int, *, link: str | None = None, guid: str | None = None, title: str | None = None) -> str:
    parts = [f"<title>{title or f'Item {n}'}</title>"]
    if link is not None:
        parts.append(f"<link>{link}</link>")
    if guid is not None:
        parts.append(f'<guid isPermaLink="false">{guid}</guid>')
    return "<item>" + "".join(parts) + "</item>"


THREE = rss("".join(item(n, link=f"https://example.org/{n}", guid=f"g{n}") for n in range(3)))
CUT = THREE[: THREE.index(b"<guid", THREE.index(b"Item 2"))]  # the server's file ends inside the third item
LINKS = rss(
    item(1, link="https://example.org/ok")
    + item(2, link="javascript:fetch('http://127.0.0.2/')")
    + item(3, link="data:text/html;base64,PGgxPmhpPC9oMT4=")
    + item(4, link="file:///etc/passwd")
    + item(5, link="vbscript:msgbox(1)")
    + item(6, link="relative/page.html")
    + item(7, link="/rooted")
    + item(8, link="../up.html")
)
NO_IDS = rss(
    "<item><title>Only a title</title><description>and words</description></item>"
    "<item><title>Another</title><pubDate>Wed, 12 Mar 2025 08:00:00 +0000</pubDate></item>"
)
DUPLICATES = rss(
    item(1, link="https://example.org/1", guid="same") + item(2, link="https://example.org/2", guid="same")
)
CYRILLIC = '<rss version="2.0"><channel><title>Лента</title><item><title>Лавров и Рубио</title><link>https://example.org/ru</link></item></channel></rss>'
JSON_FEED = json.dumps(
    {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "J",
        "items": [
            {"id": "1", "url": "/posts/1", "title": "First", "date_published": "2025-03-12T08:00:00Z"},
            {"id": "2", "url": "javascript:alert(1)", "title": "Bad link"},
            "not an item",
        ],
    }
).encode()


@pytest.fixture(scope="module")
def feeds() -> Iterator[FixtureServer]:
    srv = FixtureServer(
        {
            "/cut": Route(body=CUT, headers=RSS_TYPE),
            "/html": Route(body=b"<!DOCTYPE html><html><head><title>Blog</title></head><body>Hi</body></html>"),
            "/json": Route(body=b'{"status": "ok", "posts": []}', headers={"Content-Type": "application/json"}),
            "/empty": Route(body=b"", headers=RSS_TYPE),
            "/json-feed": Route(body=JSON_FEED, headers={"Content-Type": "application/feed+json"}),
            "/links": Route(body=LINKS, headers=RSS_TYPE),
            "/old-feed": Route(status=301, headers={"Location": "/moved/here/feed.xml"}),
            "/moved/here/feed.xml": Route(body=LINKS, headers=RSS_TYPE),
            "/no-ids": Route(body=NO_IDS, headers=RSS_TYPE),
            "/duplicates": Route(body=DUPLICATES, headers=RSS_TYPE),
            "/cp1251": Route(
                body=CYRILLIC.encode("cp1251"), headers={"Content-Type": "text/xml; charset=windows-1251"}
            ),
            "/koi8": Route(
                body=CYRILLIC.encode("koi8-r"), headers={"Content-Type": "application/rss+xml; charset=KOI8-R"}
            ),
            "/lying": Route(
                body=CYRILLIC.encode("utf-8"), headers={"Content-Type": "application/xml; charset=windows-1251"}
            ),
        }
    )
    yield srv
    srv.close()


def poll(server: FixtureServer, path: str, **policy: Any):
    with Fetcher(fetch_policy(**policy)) as fetcher:
        return poll_feed(fetcher, server.url(path), etag=None, last_modified=None)


def test_truncated_feed_keeps_the_complete_entries_and_drops_the_partial_one(feeds: FixtureServer) -> None:
    result = poll(feeds, "/cut")
    assert result.feed is not None
    assert [e.guid for e in result.feed.entries] == ["g0", "g1"]
    assert any("ends early" in w and "dropped 1 partial" in w for w in result.feed.warnings)


@pytest.mark.parametrize(
    ("path", "words"), [("/html", "HTML page"), ("/json", "JSON but not a JSON Feed"), ("/empty", "empty")]
)
def test_what_is_not_a_feed_is_a_not_a_feed_failure_not_zero_entries(
    feeds: FixtureServer, path: str, words: str
) -> None:
    with pytest.raises(errors.NotAFeed, match=words) as info:
        poll(feeds, path)
    assert info.value.kind == "not_a_feed"
    assert not info.value.transient
    assert [h.status for h in info.value.hops] == [200]  # the request is still recorded


def test_json_feed_is_read(feeds: FixtureServer) -> None:
    result = poll(feeds, "/json-feed")
    assert result.feed is not None
    first, bad = result.feed.entries
    assert (first.url, first.title, first.key) == (feeds.url("/posts/1"), "First", "guid:1")
    assert first.published_at is not None
    assert first.published_at.isoformat() == "2025-03-12T08:00:00+00:00"
    assert bad.url is None
    assert any("not an object" in w for w in result.feed.warnings)


def test_only_http_links_survive_and_none_other_is_requested(feeds: FixtureServer) -> None:
    feeds.seen.clear()
    result = poll(feeds, "/links")
    assert result.feed is not None
    urls = [e.url for e in result.feed.entries]
    assert urls == [
        "https://example.org/ok",
        None,
        None,
        None,
        None,
        feeds.url("/relative/page.html"),
        feeds.url("/rooted"),
        feeds.url("/up.html"),
    ]
    assert sum("not an http(s) URL" in w for w in result.feed.warnings) == 4
    with Fetcher(fetch_policy()) as fetcher:
        for bad in ("javascript:alert(1)", "data:text/html,hi", "file:///etc/passwd"):
            with pytest.raises(errors.BlockedURL):
                fetcher.get(bad)
    assert [s.path for s in feeds.seen] == ["/links"]


def test_relative_links_resolve_against_the_final_feed_url(feeds: FixtureServer) -> None:
    result = poll(feeds, "/old-feed")
    assert result.url == feeds.url("/moved/here/feed.xml")
    assert result.feed is not None
    assert [e.url for e in result.feed.entries][5:] == [
        feeds.url("/moved/here/relative/page.html"),
        feeds.url("/rooted"),
        feeds.url("/moved/up.html"),
    ]


def test_entries_without_guid_or_link_get_stable_keys_and_land_once(feeds: FixtureServer, tmp_path: Path) -> None:
    first, second = poll(feeds, "/no-ids"), poll(feeds, "/no-ids")
    assert first.feed is not None
    assert second.feed is not None
    keys = [e.key for e in first.feed.entries]
    assert keys == [e.key for e in second.feed.entries]
    assert len(set(keys)) == 2
    assert all(k.startswith("hash:") for k in keys)
    with open_writer(tmp_path / "w.duckdb") as conn:
        state.register_sources(conn, [("s", feeds.url("/no-ids"), None)])
        for run, polled in (("r1", first), ("r2", second)):
            assert polled.feed is not None
            fresh = state.unseen(conn, "s", [(e.key, None) for e in polled.feed.entries])
            batch = [EntryRow(e.key, e.guid, None, None) for e in polled.feed.entries if e.key in fresh]
            load.land_batch(conn, run, SourceBatch(source="s", feed_status="ok", entries=batch))
        assert conn.execute("SELECT count(*), count(DISTINCT entry_key) FROM entries").fetchone() == (2, 2)


def test_duplicate_guids_keep_the_first_with_a_warning(feeds: FixtureServer) -> None:
    result = poll(feeds, "/duplicates")
    assert result.feed is not None
    assert [e.url for e in result.feed.entries] == ["https://example.org/1"]
    assert any("duplicate entry 'guid:same'" in w for w in result.feed.warnings)


@pytest.mark.parametrize("path", ["/cp1251", "/koi8", "/lying"])
def test_charset_from_the_header_and_valid_utf8_over_a_wrong_header(feeds: FixtureServer, path: str) -> None:
    result = poll(feeds, path)
    assert result.feed is not None
    assert result.feed.title == "Лента"
    assert [e.title for e in result.feed.entries] == ["Лавров и Рубио"]
    lied = any("but the body is valid UTF-8" in w for w in result.feed.warnings)
    assert lied == (path == "/lying")


# --- size -------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_50000_item_feed_is_read_within_the_deadline() -> None:
    items = "".join(item(n, link=f"https://example.org/{n}") for n in range(50_000))
    srv = FixtureServer({"/big": Route(body=rss(items), headers=RSS_TYPE)})
    try:
        started = time.monotonic()
        result = poll(srv, "/big")
        elapsed = time.monotonic() - started
    finally:
        srv.close()
    assert result.feed is not None
    assert len(result.feed.entries) == 50_000
    assert elapsed < fetch_policy().deadline, f"fetch and parse took {elapsed:.0f} s"


def test_a_feed_over_the_size_cap_is_refused_without_reading_it(feeds: FixtureServer) -> None:
    feeds.routes["/huge"] = Route(body=rss("<item><title>x</title></item>" * 40_000), headers=RSS_TYPE)
    started = time.monotonic()
    with pytest.raises(errors.TooLarge, match="nothing was read"):
        poll(feeds, "/huge", max_bytes=1_000_000)
    assert time.monotonic() - started < 5.0


# --- entities -----------------------------------------------------------------------------------------


def _refused_fast(body: bytes, words: str, headers: dict[str, str] | None = None) -> None:
    started = time.monotonic()
    with pytest.raises(errors.HostileFeed, match=words):
        parse_feed(body, url="https://example.org/feed", headers=headers or RSS_TYPE)
    assert time.monotonic() - started < 1.0


def test_one_large_entity_used_many_times_is_refused_in_under_a_second() -> None:
    """The shape that took 36 s and 2.85 GB: a 175 KB feed, one big entity, thousands of references."""
    doctype = '<!DOCTYPE rss [<!ENTITY big "' + "x" * 4000 + '">]>'
    body = rss("<item><title>&big;&big;&big;&big;</title></item>" * 3300, declaration=doctype)
    assert 150_000 < len(body) < 200_000
    _refused_fast(body, "expand without bound")


def test_small_entities_used_too_often_are_refused_by_the_expansion_bound() -> None:
    doctype = '<!DOCTYPE rss [<!ENTITY e "' + "y" * 60 + '">]>'
    _refused_fast(rss("<item><title>" + "&e;" * 50_000 + "</title></item>", declaration=doctype), "would expand to")


def test_nesting_hidden_behind_character_references_is_refused() -> None:
    doctype = '<!DOCTYPE rss [<!ENTITY a "ha"><!ENTITY b "&#38;a;&#38;a;&#38;a;&#38;a;">]>'
    _refused_fast(rss("<item><title>&b;</title></item>", declaration=doctype), "refers to other entities")


def test_a_dtd_after_a_megabyte_of_comment_is_still_seen() -> None:
    doctype = "<!--" + " " * 1_100_000 + '--><!DOCTYPE rss [<!ENTITY big "' + "z" * 5000 + '">]>'
    _refused_fast(rss("<item><title>&big;</title></item>", declaration='<?xml version="1.0"?>' + doctype), "entity")


def test_a_utf16_feed_cannot_hide_its_dtd() -> None:
    doc = '<?xml version="1.0" encoding="utf-16"?><!DOCTYPE rss [<!ENTITY big "' + "w" * 5000 + '">]>'
    doc += '<rss version="2.0"><channel><title>&big;</title></channel></rss>'
    _refused_fast(doc.encode("utf-16"), "expand without bound")


def test_common_small_entities_still_work() -> None:
    doctype = '<!DOCTYPE rss [<!ENTITY nbsp "&#160;"><!ENTITY mdash "&#8212;">]>'
    body = rss(
        "".join(item(n, link=f"https://example.org/{n}", title=f"a&nbsp;b&mdash;{n}") for n in range(1000)),
        declaration='<?xml version="1.0"?>' + doctype,
    )
    feed = parse_feed(body, url="https://example.org/feed", headers=RSS_TYPE)
    assert len(feed.entries) == 1000
    assert feed.entries[0].title == "a\xa0b\u20140"


class FifoWatch:
    """A FIFO that reports whether anything opened it for reading: opening a FIFO blocks until the other
    end is opened too, so a reader cannot open it without the watching writer noticing."""

    def __init__(self, path: Path) -> None:
        self.path = path
        os.mkfifo(path)
        self.opened = 0
        self.done = False
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while True:
            with open(self.path, "wb") as end:  # returns only once someone opened it for reading
                if self.done:
                    return
                self.opened += 1
                end.write(b"LEAKED")

    def settled(self) -> int:
        """How many times the FIFO was opened, once a reader that opened it a moment ago is counted."""
        time.sleep(0.2)
        return self.opened

    def close(self) -> int:
        opened = self.settled()
        self.done = True
        with open(self.path, "rb"):  # release the watcher
            pass
        self._thread.join(timeout=5)
        return opened


def test_external_dtds_and_entities_never_open_a_file(tmp_path: Path) -> None:
    fifo = FifoWatch(tmp_path / "external.dtd")
    uri = fifo.path.as_uri()
    body = '<rss version="2.0"><channel><title>T &leaked;</title><item><title>x</title></item></channel></rss>'
    documents = [
        f'<?xml version="1.0"?><!DOCTYPE rss SYSTEM "{uri}">{body}',
        f'<?xml version="1.0"?>\n<!DOCTYPE rss SYSTEM "{uri}">\n{body}',
        f'<?xml version="1.0"?>\n<!DOCTYPE rss PUBLIC "-//Netscape//DTD RSS 0.91//EN" "{uri}">\n{body}',
        f'<?xml version="1.0"?>\n<!DOCTYPE rss SYSTEM "{uri}" [\n<!ENTITY nbsp "&#160;">\n]>\n{body}',
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY % ext SYSTEM "{uri}"> %ext;]>{body}',
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY leaked SYSTEM "{uri}">]>{body}',
    ]
    outcomes = []
    for doc in documents:
        try:
            feed = parse_feed(doc.encode(), url="https://example.org/feed", headers=RSS_TYPE)
            outcomes.append(feed.title)
        except errors.HostileFeed as exc:
            outcomes.append(exc.kind)
    opened_by_us = fifo.settled()

    # The control: a parser told to load external entities does open the FIFO, so the watch works.
    parser = xml.sax.make_parser()  # noqa: S317  (the control: it must load the entity)
    parser.setFeature(xml.sax.handler.feature_external_ges, True)
    parser.setContentHandler(xml.sax.handler.ContentHandler())
    source = xml.sax.xmlreader.InputSource()
    source.setByteStream(
        io.BytesIO(f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "{uri}">]><r>&x;</r>'.encode())
    )
    source.setSystemId(uri)
    parser.parse(source)
    assert fifo.close() >= 1
    assert opened_by_us == 0, "an external DTD or entity was opened while parsing a feed"
    assert outcomes[-2:] == ["hostile_feed", "hostile_feed"]
    assert all(title is not None and "LEAKED" not in title for title in outcomes[:4])
