"""A run's inputs per source: its own User-Agent, headers, limit of new entries and host delay."""

from __future__ import annotations

import itertools
import time
from pathlib import Path
from typing import Any

from flows.runs import ingest_without_prefect, run_inputs
from flows.settings import Settings
from tests.fixture_server import Route
from tests.flows.test_plan import ITEMS, outlet, write
from tests.outlet import rows


def test_a_sources_user_agent_and_headers_go_with_its_feed_and_page_requests_only(tmp_path: Path) -> None:
    server = outlet(ITEMS[:1])
    other = outlet(ITEMS[1:2])
    path = tmp_path / "sources.toml"
    path.write_text(
        '[settings]\nallow_hosts = ["127.0.0.1"]\n\n'
        f'[[source]]\nname = "walled"\nfeed = "{server.url("/feed")}"\n'
        'user_agent = "Mozilla/5.0 (compatible; tealeaves reader)"\n'
        'headers = { Cookie = "consent=accepted", "X-Edition" = "intl" }\n\n'
        f'[[source]]\nname = "open"\nfeed = "{other.url("/feed")}"\n',
        encoding="utf-8",
    )
    try:
        summary = ingest_without_prefect(str(path), str(tmp_path / "w.duckdb"))
    finally:
        server.close()
        other.close()
    assert summary.documents_new == 2
    assert {s.path for s in server.seen} >= {"/feed", "/robots.txt", "/2025/03/riyadh"}
    for seen in server.seen:
        assert seen.headers["user-agent"] == "Mozilla/5.0 (compatible; tealeaves reader)", seen.path
        assert seen.headers["cookie"] == "consent=accepted", seen.path
        assert seen.headers["x-edition"] == "intl", seen.path
    for seen in other.seen:
        assert seen.headers["user-agent"] == Settings().user_agent, seen.path
        assert "cookie" not in seen.headers, seen.path
        assert "x-edition" not in seen.headers, seen.path


def test_a_sources_max_new_overrides_the_setting_for_it_alone(tmp_path: Path) -> None:
    server = outlet()
    db = tmp_path / "w.duckdb"
    try:
        first = ingest_without_prefect(write(tmp_path, server, source="max_new = 2"), str(db))
        second = ingest_without_prefect(write(tmp_path, server, source="max_new = 2"), str(db))
        rest = ingest_without_prefect(write(tmp_path, server), str(db))
    finally:
        server.close()
    assert (first.documents_new, second.documents_new, rest.documents_new) == (2, 2, 1)
    assert rows(db, "SELECT count(*) FROM documents WHERE origin = 'feed'") == [(5,)]


def test_a_sources_host_delay_spaces_its_page_requests_and_the_others_keep_the_setting(tmp_path: Path) -> None:
    server = outlet(ITEMS[:3])
    starts: list[float] = []
    for _, _, page in ITEMS[:3]:
        route = server.routes[page]
        assert isinstance(route, Route)

        def answer(handler: Any, body: bytes = route.body) -> None:
            starts.append(time.monotonic())
            handler._send(200, {"Content-Type": "text/html"}, body)

        server.routes[page] = answer
    try:
        ingest_without_prefect(write(tmp_path, server, source="host_delay = 0.4"), str(tmp_path / "w.duckdb"))
    finally:
        server.close()
    assert len(starts) == 3
    gaps = [b - a for a, b in itertools.pairwise(sorted(starts))]
    assert min(gaps) >= 0.35, gaps  # the setting is 0 in the tests
    inputs = run_inputs(Settings(), write(tmp_path, server), str(tmp_path / "w.duckdb"), None)
    assert inputs.politeness_for(inputs.sources[0]) == Settings().politeness_policy()
    assert inputs.policy_for(inputs.sources[0]) == Settings().fetch_policy(frozenset({"127.0.0.1"}))
