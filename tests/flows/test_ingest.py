"""End to end: the ingest flow, run for real by Prefect, against the fixture web on 127.0.0.1,
into a real DuckDB file."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import duckdb
import pytest

from flows.ingest import ingest
from flows.pipeline import IngestSummary
from tests.conftest import write_sources
from tests.fixture_server import FixtureServer, Route
from tests.invariants import assert_invariants_hold
from warehouse.db import connect

pytestmark = pytest.mark.usefixtures("prefect_harness")


def rows(db: Path, query: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as conn:
        return conn.execute(query, params or []).fetchall()


@pytest.fixture
def first_run(site: FixtureServer, tmp_path: Path) -> tuple[Path, Path, IngestSummary]:
    sources = write_sources(tmp_path / "sources.toml", site)
    db = tmp_path / "warehouse.duckdb"
    summary = ingest(sources_path=str(sources), db=str(db))
    return sources, db, summary


def test_every_fixture_document_is_stored_once_with_its_metadata(first_run, site: FixtureServer) -> None:
    _, db, summary = first_run
    docs = {
        r[0]: r[1:]
        for r in rows(
            db,
            "SELECT source || ':' || coalesce(title, ''), url, author, published_at::DATE::VARCHAR, "
            "published_precision, comment_count, body FROM documents WHERE origin = 'feed'",
        )
    }
    base = site.base
    jeddah = docs["capital:Jeddah and After: What the Ceasefire Proposal Leaves Out"]
    assert jeddah[:5] == (f"{base}/2025/03/jeddah-and-after/", "Yves Smith", "2025-03-12", "day", 4)
    assert "thirty-day ceasefire" in jeddah[5]
    riyadh = docs["capital:Riyadh Round: Embassies First"]
    assert riyadh[:5] == (f"{base}/2025/02/riyadh-round/", "Conor Gallagher", "2025-02-19", "day", 0)
    substack = docs["weapons:Face To Face Trump-Putin Meeting Planned Very Soon"]
    # utm_* parameters are gone from the stored URL; the canonical link is honoured
    assert substack[:5] == (f"{base}/p/face-to-face-trump-putin-meeting", "Stephen Bryen", "2025-08-06", "day", 0)
    assert "Sergey Lavrov" in substack[5]
    assert "reader-supported publication" not in substack[5]
    russian = [v for k, v in docs.items() if k.startswith("vesti:")]
    assert len(russian) == 1, "the cross-posted Riyadh piece must not become a second document"
    assert russian[0][0] == f"{base}/vesti/atom/posts/riyadh.html"  # relative Atom link resolved
    assert "Лавров и Рубио" in russian[0][5]  # windows-1251, charset only in the HTTP header
    assert len(docs) == 4
    assert summary.documents_new == 4


def test_seed_corpus_lands_beside_the_feeds(first_run) -> None:
    _, db, summary = first_run
    seeds = rows(db, "SELECT doc_id, title, comment_count FROM documents WHERE origin = 'seed' ORDER BY doc_id")
    assert [s[0] for s in seeds] == sorted(
        ["f1d3c2de8febc1bb", "b29103cc05f80d6d", "1c3a33cc9c1a0766", "fa157defeb9da5f3", "0160f51928b5414b"]
    )
    by_id = {s[0]: s for s in seeds}
    assert by_id["fa157defeb9da5f3"][2] == 119
    assert by_id["1c3a33cc9c1a0766"][1] == "Face To Face Trump-Putin Meeting Planned Very Soon"
    assert by_id["f1d3c2de8febc1bb"][1] is None
    assert summary.seeds_new == 5


def test_comments_are_records_with_depths(first_run) -> None:
    _, db, _ = first_run
    comments = rows(
        db,
        "SELECT c.comment_no, c.parent_no, c.depth, c.author, c.posted_at::VARCHAR, c.by_post_author "
        "FROM comments c JOIN documents d USING (doc_id) WHERE d.title LIKE 'Jeddah%' ORDER BY comment_no",
    )
    assert [(c[0], c[1], c[2], c[3]) for c in comments] == [
        (1, None, 0, "The Rev Kev"),
        (2, 1, 1, "juno mas"),
        (3, 2, 2, "Yves Smith"),
        (4, None, 0, ".Tom"),
    ]
    assert comments[0][4].startswith("2025-03-12 09:14:00")
    assert [c[5] for c in comments] == [False, False, True, False]
    body = rows(db, "SELECT body FROM documents WHERE title LIKE 'Jeddah%'")[0][0]
    assert "Moscow will not bite" not in body
    assert "Leave a Reply" not in body


def test_failures_name_each_broken_source_and_the_refused_link(first_run, site: FixtureServer) -> None:
    _, db, summary = first_run
    failures = {(r[0], r[1]): r[2] for r in rows(db, "SELECT source, kind, message FROM failures")}
    assert "not a feed" in failures[("broken", "not_a_feed")]
    assert "HTML page" in failures[("broken", "not_a_feed")]
    assert ("dead", "connection_failed") in failures
    assert "not a public address" in failures[("capital", "blocked_url")]
    assert set(summary.sources_failed) == {"broken", "dead"}
    assert site.requests_for("/secret/admin") == [], "a refused address must never be requested"
    run = rows(db, "SELECT sources_ok, sources_failed, documents_new, status FROM runs")
    assert run == [(3, 2, 4, "completed")]


def test_every_request_is_recorded(first_run, site: FixtureServer) -> None:
    _, db, _ = first_run
    recorded = rows(db, "SELECT count(*) FROM fetches WHERE url LIKE ?", [site.base + "%"])[0][0]
    assert recorded == len(site.seen)
    etags = rows(db, "SELECT source, etag, last_modified FROM source_state WHERE source = 'capital'")
    assert etags[0][1]
    assert etags[0][2] == "Mon, 03 Mar 2025 10:00:00 GMT"


def test_second_run_is_conditional_and_fetches_no_page(first_run, site: FixtureServer) -> None:
    sources, db, _ = first_run
    before = rows(db, "SELECT count(*), sum(comment_count) FROM documents")
    site.seen.clear()
    summary = ingest(sources_path=str(sources), db=str(db))
    assert summary.documents_new == 0
    assert summary.seeds_new == 0
    feed_requests = [s for s in site.seen if s.path.endswith(("feed/", "feed", "feed.xml"))]
    good_feeds = [s for s in feed_requests if not s.path.startswith("/broken")]
    assert len(good_feeds) == 3
    assert all("if-none-match" in s.headers and "if-modified-since" in s.headers for s in good_feeds)
    assert [s.path for s in site.seen if s not in feed_requests] == [], "a 304 must not lead to page fetches"
    assert rows(db, "SELECT count(*), sum(comment_count) FROM documents") == before
    statuses = rows(db, "SELECT f.status FROM fetches f WHERE f.run_id = ? AND f.kind = 'feed'", [summary.run_id])
    assert sorted(s[0] for s in statuses if s[0] is not None).count(304) == 3


def test_warehouse_invariants_hold(first_run) -> None:
    _, db, _ = first_run
    conn = connect(db, read_only=True)
    try:
        assert_invariants_hold(conn)
    finally:
        conn.close()


def test_selected_source_only(site: FixtureServer, tmp_path: Path) -> None:
    sources = write_sources(tmp_path / "sources.toml", site)
    db = tmp_path / "w.duckdb"
    summary = ingest(sources_path=str(sources), db=str(db), source_names=["weapons"])
    assert summary.sources_ok == ["weapons"]
    assert summary.documents_new == 1
    assert rows(db, "SELECT DISTINCT source FROM fetches") == [("weapons",)]


def test_readme_example_queries_run_and_return_rows(first_run) -> None:
    """The examples of docs/sql.md's warehouse section (its analysis section has its own test, on its own corpus)."""
    _, db, _ = first_run
    doc = (Path(__file__).resolve().parents[2] / "docs" / "sql.md").read_text(encoding="utf-8")
    section = doc.split("\n## The warehouse tables\n", 1)[1].split("\n## ", 1)[0]
    blocks = [b.split("```", 1)[0] for b in section.split("```sql\n")[1:]]
    assert len(blocks) >= 4
    for block in blocks:
        assert rows(db, block), f"docs/sql.md query returned nothing:\n{block}"


def test_of_a_cross_post_the_outlet_listed_first_keeps_the_document_however_slow(
    site: FixtureServer, tmp_path: Path
) -> None:
    """capital's Riyadh page answers last (vesti's mirror of it long before): capital still keeps the document,
    because sources with pages land in sources.toml order, not in the order they finish."""
    path = "/2025/02/riyadh-round/?utm_source=rss"
    original = site.routes[path]
    assert isinstance(original, Route)

    def slow(handler: Any) -> None:
        time.sleep(2.0)
        handler._send(
            200, {"Content-Type": "text/html; charset=utf-8"}, original.body.replace(b"{BASE}", site.base.encode())
        )

    site.routes[path] = slow
    db = tmp_path / "warehouse.duckdb"
    ingest(sources_path=str(write_sources(tmp_path / "sources.toml", site)), db=str(db))

    riyadh = rows(db, "SELECT source, url FROM documents WHERE title = 'Riyadh Round: Embassies First'")
    assert riyadh == [("capital", f"{site.base}/2025/02/riyadh-round/")]
    assert rows(db, "SELECT count(*) FROM documents WHERE source = 'vesti'") == [(1,)]


def test_a_full_page_budget_never_stalls_the_source_that_must_land_first(
    site: FixtureServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With room for one page in flight, later sources fetch first and wait to land behind capital; capital
    must still be fetched (it goes past the budget), or the run would wait forever."""
    import threading

    monkeypatch.setenv("TEALEAVES_PAGES_IN_FLIGHT", "1")
    path = "/capital/feed/"
    original = site.routes[path]
    assert isinstance(original, Route)

    def slow_feed(handler: Any) -> None:
        time.sleep(1.5)  # capital is polled last, after the others took the budget
        body = original.body.replace(b"{BASE}", site.base.encode())
        handler._send(200, {"Content-Type": "application/rss+xml"}, body)

    site.routes[path] = slow_feed
    db = tmp_path / "warehouse.duckdb"
    sources = write_sources(tmp_path / "sources.toml", site)
    result: dict[str, Any] = {}
    run = threading.Thread(
        target=lambda: result.update(summary=ingest(sources_path=str(sources), db=str(db))), daemon=True
    )
    run.start()
    run.join(timeout=120)
    assert not run.is_alive(), "the run stalled: the first source to land was never fetched"
    assert result["summary"].documents_new == 4
    assert rows(db, "SELECT count(*) FROM documents WHERE source = 'capital'") == [(2,)]
