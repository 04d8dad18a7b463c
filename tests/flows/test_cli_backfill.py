"""`tealeaves backfill`: help, JSON, the human summary and exit codes, through typer's CliRunner."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from tests.backfill_site import SINCE, SINCE_PATHS, sitemap_site, write_one_source
from tests.fixture_server import FixtureServer

runner = CliRunner()


@pytest.fixture
def site() -> Iterator[FixtureServer]:
    server = sitemap_site()
    yield server
    server.close()


def test_help_shows_an_example_and_the_options() -> None:
    result = runner.invoke(app, ["backfill", "--help"])
    assert result.exit_code == 0
    assert "Example: tealeaves backfill" in result.stdout
    for option in ("--since", "--sources", "--db", "--json"):
        assert option in result.stdout, option


def test_backfill_json_then_the_human_summary(site: FixtureServer, tmp_path: Path) -> None:
    sources, db = write_one_source(tmp_path / "sources.toml", site), tmp_path / "w.duckdb"
    args = ["backfill", "outlet", "--since", SINCE, "--sources", str(sources), "--db", str(db)]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["since"] == SINCE
    assert data["discovery"]["found_in"] == "sitemaps"
    assert data["summary"]["documents_new"] == len(SINCE_PATHS)
    assert {d["url"].removeprefix(site.base) for d in data["summary"]["new_documents"]} == SINCE_PATHS

    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert f"2 kept since {SINCE}; 0 new documents" in result.stdout
    assert "3 sitemaps" in result.stdout


def test_an_unknown_source_or_a_bad_date_exits_2(site: FixtureServer, tmp_path: Path) -> None:
    sources, db = write_one_source(tmp_path / "sources.toml", site), tmp_path / "w.duckdb"
    result = runner.invoke(app, ["backfill", "nope", "--sources", str(sources), "--db", str(db)])
    assert result.exit_code == 2
    assert "no source named 'nope'" in result.stderr
    assert not db.exists()
    result = runner.invoke(app, ["backfill", "outlet", "--since", "last year", "--sources", str(sources)])
    assert result.exit_code == 2
    assert "--since" in result.output


def test_a_sitemap_that_cannot_be_read_is_named_and_the_others_still_land(
    site: FixtureServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sources, db = write_one_source(tmp_path / "sources.toml", site), tmp_path / "w.duckdb"
    site.routes.pop("/news-sitemap.xml")
    result = runner.invoke(app, ["backfill", "outlet", "--sources", str(sources), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "news-sitemap.xml: server answered 404" in result.stdout
    assert "3 pieces listed in 3 sitemaps, 3 kept; 3 new documents" in result.stdout
    # usp's own log lines repeat it (and, with no logging configured, would reach the terminal as well).
    assert [r.getMessage() for r in caplog.records if r.name.startswith("usp")] == []
