"""The analysis examples of docs/sql.md run, and print what it says they print, on the seed corpus plus a
Russian report of the Riyadh round and another outlet's re-post of seed 000."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.analysis_corpus import RUSSIAN_RIYADH, feed_doc, gazetteer, land, land_seed_corpus, republished_000
from warehouse.analysis import refresh
from warehouse.db import open_writer

SQL_DOC = Path(__file__).resolve().parents[2] / "docs" / "sql.md"
PUBLIC = ("mentions", "mentions_by_day", "closest_to_seeds", "seed_similarity", "duplicate_clusters", "analysis_state")


def analysis_section() -> str:
    """The section "## The analysis" of docs/sql.md, up to the next section of its level or the end."""
    text = SQL_DOC.read_text(encoding="utf-8")
    start = text.index("\n## The analysis\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end >= 0 else len(text)]


QUERIES_FROM_DOCS: list[tuple[str, str]] = re.findall(
    r"```sql\n(.*?)```\n\n```text\n(.*?)```", analysis_section(), re.S
)


def render(columns: list[str], rows: list[tuple[Any, ...]]) -> str:
    """Rows as docs/sql.md shows them: a header, then one line a row, columns padded and split by ' | '."""
    cells = [columns] + [["NULL" if v is None else str(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(columns))]
    return "".join(" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() + "\n" for r in cells)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    path = tmp_path_factory.mktemp("sql-doc") / "w.duckdb"
    with open_writer(path) as conn:
        land_seed_corpus(conn)
        land(
            conn,
            "run-1",
            [feed_doc("vesti", "riyadh", RUSSIAN_RIYADH, published="2025-02-19", language="ru"), republished_000()],
        )
        refresh(conn, gazetteer())
        yield conn


def test_every_public_table_and_view_has_an_example() -> None:
    queried = " ".join(q for q, _ in QUERIES_FROM_DOCS)
    assert [name for name in PUBLIC if not re.search(rf"\bFROM {name}\b", queried)] == []


@pytest.mark.parametrize(("query", "expected"), QUERIES_FROM_DOCS, ids=lambda v: v.splitlines()[0][:60])
def test_example_prints_what_docs_sql_md_shows(warehouse, query: str, expected: str) -> None:
    cursor = warehouse.execute(query)
    got = render([d[0] for d in cursor.description or []], cursor.fetchall())
    assert got == expected, f"docs/sql.md example drifted; update docs/sql.md with:\n{got}"
