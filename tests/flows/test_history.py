"""Backfill without Prefect, against a real local outlet and a real warehouse: what lands, and what is left
as it was (the feed's validators, health and next poll)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

from flows.history import backfill_without_prefect
from flows.runs import ingest_without_prefect
from flows.settings import USER_AGENT, Settings
from tests.backfill_site import (
    FEED_PAGES,
    NEWS_PAGES,
    SINCE,
    SINCE_PATHS,
    SITEMAP_PAGES,
    paged_site,
    sitemap_site,
    write_one_source,
)
from tests.fixture_server import FixtureServer
from tests.invariants import assert_invariants_hold

STATE = "SELECT * EXCLUDE (source) FROM source_state WHERE source = 'outlet'"


def rows(db: Path, query: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as conn:
        return conn.execute(query).fetchall()


def stored_paths(db: Path, base: str) -> set[str]:
    return {url.removeprefix(base) for (url,) in rows(db, "SELECT url FROM documents WHERE origin = 'feed'")}


def article_requests(server: FixtureServer) -> list[str]:
    return [s.path for s in server.seen if s.path.startswith("/20")]


@pytest.fixture
def site() -> Iterator[FixtureServer]:
    server = sitemap_site()
    yield server
    server.close()


@pytest.fixture
def paged() -> Iterator[FixtureServer]:
    server = paged_site()
    yield server
    server.close()


def test_backfill_lands_exactly_the_pieces_since_the_date_and_leaves_the_feed_state(
    site: FixtureServer, tmp_path: Path
) -> None:
    sources, db = write_one_source(tmp_path / "sources.toml", site), tmp_path / "w.duckdb"
    ingest_without_prefect(str(sources), str(db))  # the feed lists the newest piece: stored, with an ETag
    state = rows(db, STATE)
    assert state
    assert state[0][0] is not None

    result = backfill_without_prefect("outlet", date.fromisoformat(SINCE), str(sources), str(db))

    assert stored_paths(db, site.base) == SINCE_PATHS
    assert result.summary.documents_new == 1  # the other one came with the feed
    assert result.discovery.found_in == "sitemaps"
    assert result.discovery.listed == len(SITEMAP_PAGES) + len(NEWS_PAGES)
    assert result.discovery.kept == len(SINCE_PATHS)
    assert rows(db, STATE) == state  # validators, health and next poll as the feed's last poll left them
    assert rows(db, "SELECT count(*) FROM runs WHERE status IS NOT NULL AND finished_at IS NOT NULL") == [(2,)]
    assert article_requests(site).count("/2025/03/after-jeddah/") == 1  # stored by URL: not fetched again
    assert {s.headers.get("user-agent") for s in site.seen} == {USER_AGENT}
    with duckdb.connect(str(db), read_only=True) as conn:
        assert_invariants_hold(conn)

    fetched = len(article_requests(site))
    again = backfill_without_prefect("outlet", date.fromisoformat(SINCE), str(sources), str(db))
    assert again.summary.documents_new == 0
    assert len(article_requests(site)) == fetched  # nothing stored is fetched again
    assert rows(db, STATE) == state


def test_without_since_every_listed_piece_is_kept_undated_ones_too(site: FixtureServer, tmp_path: Path) -> None:
    sources, db = write_one_source(tmp_path / "sources.toml", site), tmp_path / "w.duckdb"
    result = backfill_without_prefect("outlet", None, str(sources), str(db))
    assert stored_paths(db, site.base) == set(SITEMAP_PAGES) | set(NEWS_PAGES)
    assert result.summary.documents_new == len(SITEMAP_PAGES) + len(NEWS_PAGES)
    # A backfill of a source never polled leaves it never polled: the next ingest polls it.
    assert rows(db, STATE) == []


def test_the_per_run_limit_takes_the_newest_first_and_the_next_backfill_the_rest(
    site: FixtureServer, tmp_path: Path
) -> None:
    sources, db = write_one_source(tmp_path / "sources.toml", site), tmp_path / "w.duckdb"
    settings = Settings(max_new_per_source=1)
    first = backfill_without_prefect("outlet", date.fromisoformat(SINCE), str(sources), str(db), settings=settings)
    assert first.summary.documents_new == 1
    assert stored_paths(db, site.base) == {"/2025/03/after-jeddah/"}  # the newest
    backfill_without_prefect("outlet", date.fromisoformat(SINCE), str(sources), str(db), settings=settings)
    assert stored_paths(db, site.base) == SINCE_PATHS


def test_a_paged_feed_is_walked_when_there_is_no_sitemap(paged: FixtureServer, tmp_path: Path) -> None:
    sources, db = write_one_source(tmp_path / "sources.toml", paged), tmp_path / "w.duckdb"
    result = backfill_without_prefect("outlet", None, str(sources), str(db))
    expected = {path for page in FEED_PAGES.values() for path, _, _ in page}
    assert stored_paths(db, paged.base) == expected
    assert result.discovery.found_in == "feed pages"
    assert result.discovery.feed_pages_read == 2
    assert [s.path for s in paged.seen if s.path.startswith("/feed/")] == ["/feed/", "/feed/?paged=2", "/feed/?paged=3"]
    assert {s.headers.get("user-agent") for s in paged.seen} == {USER_AGENT}

    again = backfill_without_prefect("outlet", date(2025, 2, 1), str(sources), str(db))
    assert again.summary.documents_new == 0
    assert again.discovery.kept == 3  # the pieces since February, all stored already


def test_a_failed_backfill_is_recorded_without_counting_against_the_feed(paged: FixtureServer, tmp_path: Path) -> None:
    sources, db = write_one_source(tmp_path / "sources.toml", paged), tmp_path / "w.duckdb"
    ingest_without_prefect(str(sources), str(db))
    state = rows(db, STATE)
    paged.routes.pop("/feed/")  # no sitemap, and now no feed either
    result = backfill_without_prefect("outlet", None, str(sources), str(db))
    assert "404" in result.summary.sources_failed["outlet"]
    assert rows(db, STATE) == state  # no failure in a row, no backoff: the feed itself was not polled
    assert rows(db, "SELECT stage, kind FROM failures WHERE run_id = (SELECT max_by(run_id, started_at) FROM runs)")
