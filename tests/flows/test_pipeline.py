"""The pipeline without Prefect (plain polls, no events) against a real local web and a real warehouse:
what a source lands in its one transaction, and what the next poll must still see."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest

from flows.runs import ingest_without_prefect
from tests.fixture_server import FixtureServer, Route
from tests.outlet import ARTICLE, rows, sources_file


def feed(*items: tuple[str, str | None]) -> bytes:
    """An RSS feed of (title, link) items; a None link makes an entry with nothing to fetch."""
    body = "".join(
        f"<item><title>{title}</title>"
        + (
            f"<link>{{BASE}}{link}</link><guid>{{BASE}}{link}</guid>"
            if link
            else f'<guid isPermaLink="false">urn:{title}</guid>'
        )
        + "</item>"
        for title, link in items
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{body}</channel></rss>'.encode()


def _no_link(title: str) -> str:
    return f'<guid isPermaLink="false">urn:{title}</guid>'


def page(title: str) -> Route:
    return Route(body=ARTICLE.format(title=title).encode())


def test_an_entry_whose_page_failed_for_now_is_fetched_by_the_next_run(tmp_path: Path) -> None:
    """The feed's ETag is not kept while an entry waits: a 304 would hide that entry until the feed changes.
    The entry without a link is settled in the same batch, and recorded once."""
    busy = {"left": 1}

    def flaky(handler: Any) -> None:
        if busy["left"]:
            busy["left"] -= 1
            handler._send(503, {"Content-Type": "text/plain"}, b"busy")
            return
        handler._send(200, {"Content-Type": "text/html"}, ARTICLE.format(title="Second").encode())

    server = FixtureServer(
        {
            "/feed": Route(
                body=feed(("First", "/one"), ("Second", "/two"), ("No link", None)),
                headers={"Content-Type": "application/rss+xml"},
                conditional=True,
            ),
            "/one": page("First"),
            "/two": flaky,
        }
    )
    try:
        db = tmp_path / "w.duckdb"
        first = ingest_without_prefect(sources_file(tmp_path, server), str(db))
        assert first.documents_new == 1
        assert first.sources_ok == ["outlet"]
        assert rows(db, "SELECT etag FROM source_state WHERE source = 'outlet'") == [(None,)]
        second = ingest_without_prefect(sources_file(tmp_path, server), str(db))
        assert second.documents_new == 1
    finally:
        server.close()
    titles = rows(db, "SELECT title FROM documents WHERE origin = 'feed' ORDER BY title")
    assert titles == [("First",), ("Second",)]
    assert rows(db, "SELECT count(*) FROM failures WHERE kind = 'no_link'") == [(1,)]
    assert rows(db, "SELECT count(*) FROM entries WHERE entry_key = 'guid:urn:No link'") == [(1,)]
    assert len(server.requests_for("/one")) == 1, "a stored page is never fetched again"
    # Everything dealt with: the validators are kept, and the next poll is conditional.
    assert rows(db, "SELECT etag IS NOT NULL FROM source_state WHERE source = 'outlet'") == [(True,)]


def test_entries_left_for_a_later_run_are_fetched_by_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEALEAVES_MAX_NEW_PER_SOURCE", "1")
    server = FixtureServer(
        {
            "/feed": Route(
                body=feed(("First", "/one"), ("Second", "/two")),
                headers={"Content-Type": "application/rss+xml"},
                conditional=True,
            ),
            "/one": page("First"),
            "/two": page("Second"),
        }
    )
    try:
        db = tmp_path / "w.duckdb"
        assert ingest_without_prefect(sources_file(tmp_path, server), str(db)).documents_new == 1
        assert ingest_without_prefect(sources_file(tmp_path, server), str(db)).documents_new == 1
        third = ingest_without_prefect(sources_file(tmp_path, server), str(db))
    finally:
        server.close()
    assert third.documents_new == 0
    assert rows(db, "SELECT count(*) FROM documents WHERE origin = 'feed'") == [(2,)]
    assert [s.headers.get("if-none-match") is not None for s in server.requests_for("/feed")] == [False, False, True]


def test_a_sites_robots_txt_is_fetched_once_a_day_whatever_the_sources_and_runs(tmp_path: Path) -> None:
    routes: dict[str, Any] = {
        "/a/feed": Route(body=feed(("A1", "/a/1")), headers={"Content-Type": "application/rss+xml"}),
        "/b/feed": Route(body=feed(("B1", "/b/1")), headers={"Content-Type": "application/rss+xml"}),
        "/robots.txt": Route(body=b"User-agent: *\nDisallow: /private/\n", headers={"Content-Type": "text/plain"}),
        **{f"/{s}/{n}": page(f"{s.upper()}{n}") for s in "ab" for n in (1, 2, 3)},
    }
    server = FixtureServer(routes)
    sources = tmp_path / "sources.toml"
    sources.write_text(
        '[settings]\nallow_hosts = ["127.0.0.1"]\n\n'
        + "".join(f'[[source]]\nname = "{s}"\nfeed = "{server.url(f"/{s}/feed")}"\n\n' for s in "ab"),
        encoding="utf-8",
    )
    db = tmp_path / "w.duckdb"

    def publish(n: int) -> None:
        for s in "ab":
            routes[f"/{s}/feed"].body = feed(*((f"{s.upper()}{k}", f"/{s}/{k}") for k in range(1, n + 1)))

    try:
        assert ingest_without_prefect(str(sources), str(db)).documents_new == 2
        publish(2)
        assert ingest_without_prefect(str(sources), str(db)).documents_new == 2
        assert len(server.requests_for("/robots.txt")) == 1, "two sources and two runs share one robots.txt"
        with duckdb.connect(str(db)) as conn:  # a day later, the file is asked for again
            conn.execute("UPDATE robots_txt SET fetched_at = fetched_at - INTERVAL 25 HOURS")
        publish(3)
        assert ingest_without_prefect(str(sources), str(db)).documents_new == 2
    finally:
        server.close()
    assert len(server.requests_for("/robots.txt")) == 2
    (kept,) = rows(
        db, "SELECT outcome, body LIKE '%Disallow: /private/%', fetched_at > now() - INTERVAL 1 HOUR FROM robots_txt"
    )
    assert kept == ("rules", True, True)


def test_entries_pointing_at_one_url_fetch_it_once(tmp_path: Path) -> None:
    """Ten entries of one feed (ten guids) lead to one page: one request, one document, ten settled entries."""
    items = "".join(
        f'<item><title>Repost {n}</title><link>{{BASE}}/one?utm_source=feed{n}</link><guid isPermaLink="false">'
        f"urn:repost-{n}</guid></item>"
        for n in range(10)
    )
    body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{items}</channel></rss>'.encode()
    server = FixtureServer(
        {
            "/feed": Route(body=body, headers={"Content-Type": "application/rss+xml"}, conditional=True),
            **{f"/one?utm_source=feed{n}": page("First") for n in range(10)},
        }
    )
    try:
        db = tmp_path / "w.duckdb"
        first = ingest_without_prefect(sources_file(tmp_path, server), str(db))
        again = ingest_without_prefect(sources_file(tmp_path, server), str(db))
    finally:
        server.close()
    assert first.documents_new == 1
    assert again.documents_new == 0
    pages = [s for s in server.seen if s.path.startswith("/one")]
    assert len(pages) == 1, [s.path for s in pages]
    (doc_id,) = rows(db, "SELECT doc_id FROM documents WHERE origin = 'feed'")[0]
    assert rows(db, "SELECT count(*), count(DISTINCT doc_id), min(doc_id) FROM entries") == [(10, 1, doc_id)]
