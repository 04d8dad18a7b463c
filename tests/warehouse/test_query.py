"""Ad-hoc SQL is read-only and sandboxed."""

from __future__ import annotations

import itertools
import time
import tracemalloc
from pathlib import Path

import pytest

from extractors.identity import content_hash
from warehouse import load
from warehouse.db import open_writer
from warehouse.errors import QueryError
from warehouse.query import invariant_violations, run_query, stream_query
from warehouse.records import DocumentRow


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "q.duckdb"
    with open_writer(path) as conn:
        load.land_seeds(
            conn,
            [
                DocumentRow(
                    "e" * 16, "seed", "seed", None, "T", None, None, None, "en", "a b c", content_hash("a b c", "T")
                )
            ],
        )
    return path


def test_select_works(db: Path) -> None:
    result = run_query(db, "SELECT doc_id, word_count FROM documents")
    assert result.columns == ["doc_id", "word_count"]
    assert result.rows == [("e" * 16, 3)]


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT * FROM read_csv('/etc/passwd')",
        "COPY documents TO 'out.csv'",
        "ATTACH 'other.duckdb' AS other",
        "INSTALL fts",
        "SET enable_external_access = true",
        "DELETE FROM documents",
        "LOAD fts",
        "SELECT * FROM glob('/*')",
        "SELECT * FROM read_text('/etc/hostname')",
        "EXPORT DATABASE 'dump'",
        "RESET memory_limit",
        "SET temp_directory = 'elsewhere'",
        "SELECT * FROM read_parquet('https://127.0.0.1:1/x.parquet')",
    ],
)
def test_dangerous_statements_are_refused(db: Path, statement: str) -> None:
    with pytest.raises(QueryError):
        run_query(db, statement)


def test_time_limit_stops_a_runaway_query(db: Path) -> None:
    with pytest.raises(QueryError, match="time limit"):
        run_query(db, "SELECT count(*) FROM range(10000000000) a, range(100) b", timeout=0.5)


def test_memory_limit_stops_a_greedy_query_with_a_clear_message(db: Path) -> None:
    # A list aggregate cannot spill to disk: 50 million integers need far more than 64 MB.
    with pytest.raises(QueryError, match="needs more than the 64MB memory limit"):
        run_query(db, "SELECT list(i) FROM range(50000000) t(i)", memory_limit="64MB")
    assert run_query(db, "SELECT count(*) FROM documents", memory_limit="64MB").rows == [(1,)]


def test_missing_warehouse_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(QueryError, match="run `tealeaves ingest` first"):
        run_query(tmp_path / "nope.duckdb", "SELECT 1")


def test_invariant_checks_find_what_they_look_for(tmp_path: Path) -> None:
    """The checks are not vacuous: a text stored twice, an orphan comment and an unknown source are found."""
    path = tmp_path / "broken.duckdb"
    with open_writer(path) as conn:
        conn.execute(
            "INSERT INTO documents (doc_id, origin, source, url, body, word_count, comment_count, content_hash, "
            "ingested_at) VALUES ('a', 'feed', 's', 'https://e.example/a', 'one', 1, 0, 'h', now()), "
            "('b', 'feed', 's', 'https://e.example/b', 'one', 1, 0, 'h', now())"
        )
        conn.execute("INSERT INTO comments (doc_id, comment_no, depth, body) VALUES ('zz', 1, 0, 'lost')")
        found = invariant_violations(conn)
    assert found["duplicate_content"] == 1
    assert found["orphan_comments"] == 1
    assert found["documents_without_source"] == 2


def test_stream_reads_rows_as_they_are_needed(db: Path) -> None:
    """Three rows of a 100 MB result of long strings are read without holding the rest in Python."""
    tracemalloc.start()
    try:
        with stream_query(db, "SELECT repeat('x', 1000000) AS s FROM range(100)") as stream:
            rows = list(itertools.islice(stream, 3))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert stream.columns == ["s"]
    assert [len(row[0]) for row in rows] == [1000000] * 3
    assert peak < 20 * 2**20


def test_stream_time_limit_covers_reading_the_rows(db: Path) -> None:
    with stream_query(db, "SELECT i FROM range(1000000000) t(i)", timeout=0.3) as stream:
        rows = iter(stream)
        assert next(rows) == (0,)
        time.sleep(0.6)  # the reader is slow: the limit runs out while no fetch is in progress
        with pytest.raises(QueryError, match="time limit"):
            list(rows)


def test_run_query_still_reads_everything(db: Path) -> None:
    assert run_query(db, "SELECT count(*) FROM range(5000) t(i), documents").rows == [(5000,)]
    assert len(run_query(db, "SELECT i FROM range(5000) t(i)").rows) == 5000
