"""The backfill flow under Prefect (a temporary server): the same landing as without it, and its result."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest

from flows.backfill import backfill
from tests.backfill_site import SINCE, SINCE_PATHS, sitemap_site, write_one_source
from tests.fixture_server import FixtureServer

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]


@pytest.fixture
def site() -> Iterator[FixtureServer]:
    server = sitemap_site()
    yield server
    server.close()


def test_the_flow_backfills_the_source_since_the_date(site: FixtureServer, tmp_path: Path) -> None:
    sources, db = write_one_source(tmp_path / "sources.toml", site), tmp_path / "w.duckdb"
    result = backfill("outlet", since=date.fromisoformat(SINCE), sources_path=str(sources), db=str(db))
    assert result.summary.documents_new == len(SINCE_PATHS)
    with duckdb.connect(str(db), read_only=True) as conn:
        urls = {url for (url,) in conn.execute("SELECT url FROM documents WHERE origin = 'feed'").fetchall()}
        runs = conn.execute("SELECT run_id FROM runs").fetchall()
    assert {u.removeprefix(site.base) for u in urls} == SINCE_PATHS
    assert [(result.summary.run_id,)] == runs  # recorded under the flow run's id
