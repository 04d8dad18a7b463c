"""OPML subscription lists: another reader's export read with its folders, ours written and read back."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from extractors import errors
from extractors.opml import Subscription, read_opml, write_opml
from extractors.sources import Source
from tests.fixture_server import FixtureServer, Route

INOREADER = Path(__file__).resolve().parents[1] / "fixtures" / "opml" / "inoreader_2025-03.opml"


def test_another_readers_export_gives_every_feed_with_its_folder_paths() -> None:
    assert read_opml(INOREADER.read_bytes(), str(INOREADER)) == [
        Subscription(
            "https://responsiblestatecraft.org/feed/",
            "Responsible Statecraft",
            ("Politics/Russia & Ukraine", "Reading"),  # listed in two folders: one feed, both paths
        ),
        Subscription("https://www.russiamatters.org/rss.xml", "Russia Matters", ("Politics/Russia & Ukraine",)),
        Subscription("https://www.nakedcapitalism.com/feed/?utm_source=inoreader", "naked capitalism", ("Politics",)),
        Subscription("https://weapons.substack.com/feed", "weapons", ()),
        Subscription("https://www.russiamatters.org/rss.xml?utm_medium=app", "Russia Matters (mobile)", ("Reading",)),
        Subscription("https://www.ianwelsh.net/feed/", "Ian Welsh", ()),
    ]  # the bookmark (htmlUrl only) is no feed


@pytest.mark.parametrize(
    "dtd",
    [
        b'<!DOCTYPE opml [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
        b'<!DOCTYPE opml [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>',
    ],
)
def test_entity_tricks_are_refused_before_parsing(dtd: bytes) -> None:
    body = (
        b'<?xml version="1.0"?>'
        + dtd
        + b'<opml version="2.0"><body><outline xmlUrl="https://x.example/&b;"/></body></opml>'
    )
    with pytest.raises(errors.HostileFeed, match=r"refused before parsing|never loaded"):
        read_opml(body, "evil.opml")


def test_a_file_that_is_no_subscription_list_is_refused() -> None:
    with pytest.raises(errors.NotAFeed, match=r"notes\.txt: not an OPML subscription list"):
        read_opml(b"just some notes", "notes.txt")


def test_a_url_given_as_the_file_is_never_downloaded_by_listparser() -> None:
    # listparser downloads a str that starts with http:// by itself, past our client; read_opml gives it bytes.
    server = FixtureServer({"/list.opml": Route(body=INOREADER.read_bytes(), headers={"Content-Type": "text/x-opml"})})
    try:
        with pytest.raises(errors.NotAFeed):
            read_opml(server.url("/list.opml").encode(), "list.opml")
    finally:
        server.close()
    assert server.seen == []


def test_written_opml_nests_folders_and_reads_back_the_same() -> None:
    sources = [
        Source("plain", "https://plain.example/feed"),
        Source("rs", "https://responsiblestatecraft.org/feed/", "https://responsiblestatecraft.org/", ("Politics/US",)),
        Source("two", "https://two.example/rss", tags=("Politics/US", "Reading")),
        Source("top", "https://top.example/atom.xml", tags=("Politics",)),
    ]
    text = write_opml(sources, "tealeaves sources", now=datetime(2025, 3, 1, tzinfo=UTC))
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">')
    assert "<dateCreated>Sat, 01 Mar 2025 00:00:00 GMT</dateCreated>" in text
    assert text.count('text="Politics"') == 1
    assert text.count('text="US"') == 1
    assert 'htmlUrl="https://plain.example/"' in text  # the site defaults to the feed's host
    back = read_opml(text.encode(), "ours.opml")
    assert [(s.feed, s.title, s.tags) for s in back] == [(s.feed, s.name, s.tags) for s in sources]
