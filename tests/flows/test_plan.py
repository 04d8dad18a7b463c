"""Which entries a run fetches: keep and block rules of sources.toml, over a real local server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from flows.cli import app
from flows.runs import ingest_without_prefect
from tests.fixture_server import FixtureServer, Route
from tests.outlet import ARTICLE, rows

# A general-interest outlet: two pieces on the story, three that are not.
ITEMS = [
    ("Ukraine talks resume in Riyadh", "The delegations met again.", "/2025/03/riyadh"),
    ("Mortgage rates climb", "Housing market news, and a note on Ukraine aid.", "/2025/03/mortgages"),
    ("Ten summer recipes", "Grilled vegetables.", "/2025/03/recipes"),
    ("Kyiv and Moscow swap prisoners", "An exchange brokered by the UAE.", "/2025/03/ukrainian-prisoners"),
    ("Weekend podcast", "Our hosts on baseball.", "/2025/03/podcast"),
]


def rss(items: list[tuple[str, str, str]]) -> bytes:
    body = "".join(
        f"<item><title>{t}</title><description>{d}</description><link>{{BASE}}{p}</link><guid>{{BASE}}{p}</guid></item>"
        for t, d, p in items
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>O</title>{body}</channel></rss>'.encode()


def outlet(items: list[tuple[str, str, str]] = ITEMS) -> FixtureServer:
    routes: dict[str, Any] = {"/feed": Route(body=rss(items), headers={"Content-Type": "application/rss+xml"})}
    routes.update({p: Route(body=ARTICLE.format(title=t).encode()) for t, _, p in items})
    return FixtureServer(routes)


def write(tmp_path: Path, server: FixtureServer, *, settings: str = "", source: str = "") -> str:
    path = tmp_path / "sources.toml"
    path.write_text(
        f'[settings]\nallow_hosts = ["127.0.0.1"]\n{settings}\n\n'
        f'[[source]]\nname = "outlet"\nfeed = "{server.url("/feed")}"\n{source}\n',
        encoding="utf-8",
    )
    return str(path)


def pages_requested(server: FixtureServer) -> set[str]:
    return {s.path for s in server.seen if s.path.startswith("/2025/")}


def test_with_a_keep_rule_the_off_topic_pages_are_never_requested(tmp_path: Path) -> None:
    server = outlet()
    db = tmp_path / "w.duckdb"
    try:
        # "ukrain" is in the title of one, the summary of another, the URL of a third.
        summary = ingest_without_prefect(write(tmp_path, server, source='keep = ["ukrain", "kyiv"]'), str(db))
        again = ingest_without_prefect(write(tmp_path, server, source='keep = ["ukrain", "kyiv"]'), str(db))
    finally:
        server.close()
    assert pages_requested(server) == {"/2025/03/riyadh", "/2025/03/mortgages", "/2025/03/ukrainian-prisoners"}
    assert summary.documents_new == 3
    assert summary.failures == 0
    assert again.documents_new == 0
    assert rows(db, "SELECT count(*) FROM failures") == [(0,)], "a dropped entry is not a failure"
    dropped = rows(db, "SELECT url, dropped_by, doc_id FROM entries WHERE dropped_by IS NOT NULL ORDER BY url")
    assert dropped == [
        (server.url("/2025/03/podcast"), "keep", None),
        (server.url("/2025/03/recipes"), "keep", None),
    ]


def test_block_rules_of_the_source_and_of_settings_both_drop_and_status_counts_them(tmp_path: Path) -> None:
    server = outlet()
    db = tmp_path / "w.duckdb"
    try:
        sources = write(tmp_path, server, settings='block = ["podcast"]', source='block = ["recipe", "mortgage"]')
        summary = ingest_without_prefect(sources, str(db))
    finally:
        server.close()
    assert pages_requested(server) == {"/2025/03/riyadh", "/2025/03/ukrainian-prisoners"}
    assert summary.documents_new == 2
    result = CliRunner().invoke(app, ["status", "--db", str(db), "--json"])
    assert result.exit_code == 0, result.output
    (status,) = [s for s in json.loads(result.output)["sources"] if s["source"] == "outlet"]
    assert status["dropped"] == 3
    assert status["dropped_by"] == "block:mortgage: 1; block:podcast: 1; block:recipe: 1"
    table = CliRunner().invoke(app, ["status", "--db", str(db)], env={"COLUMNS": "400"})
    assert "block:recipe: 1" in table.output


def test_a_change_of_rules_reconsiders_the_dropped_entries_still_in_the_feed(tmp_path: Path) -> None:
    server = outlet()
    db = tmp_path / "w.duckdb"
    try:
        ingest_without_prefect(write(tmp_path, server, source='block = ["recipe", "podcast"]'), str(db))
        assert "/2025/03/recipes" not in pages_requested(server)
        later = ingest_without_prefect(write(tmp_path, server, source='block = ["podcast"]'), str(db))
    finally:
        server.close()
    assert later.documents_new == 1
    assert len([s for s in server.seen if s.path == "/2025/03/recipes"]) == 1
    assert "/2025/03/podcast" not in pages_requested(server)
    assert rows(db, "SELECT dropped_by, doc_id IS NOT NULL FROM entries WHERE url LIKE '%/recipes'") == [(None, True)]
    assert rows(db, "SELECT dropped_by FROM entries WHERE url LIKE '%/podcast'") == [("block:podcast",)]


def test_a_url_another_source_dropped_is_still_fetched_for_a_source_that_keeps_it(tmp_path: Path) -> None:
    server = outlet()
    db = tmp_path / "w.duckdb"
    path = tmp_path / "sources.toml"
    path.write_text(
        '[settings]\nallow_hosts = ["127.0.0.1"]\n\n'
        f'[[source]]\nname = "picky"\nfeed = "{server.url("/feed")}"\nblock = ["."]\n\n'
        f'[[source]]\nname = "mirror"\nfeed = "{server.url("/feed")}"\nkeep = ["recipe"]\n',
        encoding="utf-8",
    )
    try:
        assert ingest_without_prefect(str(path), str(db), ["picky"]).documents_new == 0
        summary = ingest_without_prefect(str(path), str(db), ["mirror"])
    finally:
        server.close()
    assert summary.documents_new == 1
    assert rows(db, "SELECT source FROM documents WHERE origin = 'feed'") == [("mirror",)]
