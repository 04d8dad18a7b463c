"""A one-outlet local web for pipeline tests: an article page of distinct text, the sources file naming
the outlet, and a look into the warehouse afterwards."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from tests.fixture_server import FixtureServer

# Each page's paragraphs carry its title, so two pages never share a text (a shared one is a cross-post).
ARTICLE = (
    "<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
    + "".join(
        f"<p>{{title}}, paragraph {n}: the delegations met again on Tuesday to discuss the ceasefire terms, "
        "the prisoner exchange and the reopening of embassies, according to both sides.</p>"
        for n in range(8)
    )
    + "</article></body></html>"
)


def rows(db: Path, query: str) -> list[tuple[Any, ...]]:
    """The rows ``query`` returns from the warehouse file, opened read-only."""
    with duckdb.connect(str(db), read_only=True) as conn:
        return conn.execute(query).fetchall()


def sources_file(tmp_path: Path, server: FixtureServer) -> str:
    """A sources.toml following the one outlet whose feed ``server`` serves at /feed."""
    path = tmp_path / "sources.toml"
    path.write_text(
        f'[settings]\nallow_hosts = ["127.0.0.1"]\n\n[[source]]\nname = "outlet"\nfeed = "{server.url("/feed")}"\n',
        encoding="utf-8",
    )
    return str(path)
