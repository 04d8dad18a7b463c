"""The refresh is incremental: exactly the new documents are processed, nothing new means nothing done."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest

from extractors.gazetteer import parse_gazetteer
from tests.analysis_corpus import GAZETTEER, SEED_000, feed_doc, gazetteer, land, land_seed_corpus, novel, seed_body
from warehouse.analysis import refresh
from warehouse.db import open_writer
from warehouse.errors import AnalysisError

TABLES = (
    "analysis_documents",
    "term_freqs",
    "unit_lengths",
    "term_df",
    "seed_terms",
    "mentions",
    "seed_similarity",
    "seed_closeness",
    "minhash_signatures",
    "minhash_bands",
    "duplicate_clusters",
    "gazetteer",
)


def snapshot(conn: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Every analysis table's rows, and the state row."""
    found: dict[str, Any] = {t: conn.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in TABLES}
    found["analysis_state"] = conn.execute("SELECT * FROM analysis_state").fetchall()
    return found


def pieces(n: int, *, start: int = 0, source: str = "capital") -> list[Any]:
    return [
        novel(
            f"piece-{i}",
            f"Piece {i}: Witkoff met Dmitriev in Riyadh; comment number {i} on the ceasefire.",
            source=source,
        )
        for i in range(start, start + n)
    ]


@pytest.fixture
def conn(tmp_path: Path):
    with open_writer(tmp_path / "w.duckdb") as connection:
        land_seed_corpus(connection)
        yield connection


def test_refreshing_with_nothing_new_does_nothing_and_says_so(conn) -> None:
    first = refresh(conn, gazetteer())
    assert first.documents == 5
    assert first.comments == 125
    assert not first.nothing_new
    before = snapshot(conn)
    again = refresh(conn, gazetteer())
    assert again.nothing_new
    assert again.documents == 0
    assert again.total_documents == 5
    assert again.summary == "nothing new since the last refresh (5 documents analysed)"
    assert snapshot(conn) == before  # not a row written, not even the state


@pytest.mark.parametrize("n", [1, 3, 12])
def test_refreshing_after_n_new_documents_processes_exactly_n(conn, n: int) -> None:
    refresh(conn, gazetteer())
    before = snapshot(conn)
    new = land(conn, "run-2", pieces(n))
    report = refresh(conn, gazetteer())
    assert report.documents == n
    assert report.total_documents == 5 + n
    assert not report.nothing_new
    after = snapshot(conn)
    ledger = {row[0] for row in after["analysis_documents"]} - {row[0] for row in before["analysis_documents"]}
    assert ledger == set(new)
    # Only the new documents gained rows; every row that was there is still there, unchanged.
    for table in ("term_freqs", "unit_lengths", "mentions", "seed_similarity", "seed_closeness", "minhash_signatures"):
        added = [r for r in after[table] if r not in before[table]]
        assert {r[0] for r in added} == set(new), table
        assert all(r in after[table] for r in before[table]), table
    assert len(after["term_freqs"]) - len(before["term_freqs"]) == report.terms
    assert after["analysis_state"][0][2] == 5 + n
    assert after["analysis_state"][0][4] == 2
    assert refresh(conn, gazetteer()).nothing_new


def test_the_watermark_is_the_newest_landing_processed(conn) -> None:
    refresh(conn, gazetteer())
    land(conn, "run-2", pieces(2))
    refresh(conn, gazetteer())
    watermark, newest = conn.execute(
        "SELECT (SELECT watermark FROM analysis_state), (SELECT max(ingested_at) FROM documents)"
    ).fetchone()
    assert watermark == newest


def test_a_document_landed_with_an_older_clock_is_still_processed(conn) -> None:
    refresh(conn, gazetteer())
    land(conn, "run-2", pieces(1))
    conn.execute("UPDATE documents SET ingested_at = TIMESTAMPTZ '2020-01-01 00:00:00+00' WHERE origin = 'feed'")
    assert refresh(conn, gazetteer()).documents == 1


def test_an_edited_gazetteer_recounts_mentions_everywhere(conn) -> None:
    refresh(conn, gazetteer())
    text = (
        GAZETTEER.read_text(encoding="utf-8") + '\n[[entity]]\nname = "Tikhon"\nkind = "person"\naliases = ["Tikhon"]\n'
    )
    edited = parse_gazetteer(text, "edited.toml")
    report = refresh(conn, edited)
    assert report.mentions_recounted
    assert report.documents == 0
    assert not report.nothing_new
    assert conn.execute("SELECT doc_id, count FROM mentions WHERE entity = 'Tikhon'").fetchall() == [(SEED_000, 2)]
    assert refresh(conn, edited).nothing_new


def test_seeds_landing_late_rescore_closeness_for_everyone(tmp_path: Path) -> None:
    with open_writer(tmp_path / "w.duckdb") as conn:
        land(conn, "run-1", pieces(2))
        assert refresh(conn, gazetteer()).similarities == 0  # no seeds yet: nothing to be close to
        land_seed_corpus(conn)
        report = refresh(conn, gazetteer())
        assert report.documents == 5
        assert report.closeness_rescored
        assert conn.execute("SELECT count(*) FROM seed_closeness").fetchone() == (7,)


def test_cross_posts_between_outlets_join_one_cluster_under_the_original(conn) -> None:
    text = seed_body(SEED_000).split("More likely:")[0]
    original = feed_doc("capital", "original", "A first take. " + text, published="2025-03-01")
    copy = feed_doc("mirror", "copy", "Cross-posted. " + text + " Comments welcome.", published="2025-03-03")
    refresh(conn, gazetteer())
    land(conn, "run-2", [copy])
    refresh(conn, gazetteer())
    land(conn, "run-3", [original])  # the original arrives after its copy, as feeds sometimes do
    report = refresh(conn, gazetteer())
    assert report.duplicate_pairs >= 1
    rows = conn.execute("SELECT cluster_id, doc_id FROM duplicate_clusters").fetchall()
    members = {d for _, d in rows}
    assert {original.doc_id, copy.doc_id, SEED_000} <= members
    assert {c for c, _ in rows} == {SEED_000}  # one cluster, named for the seed that all of them copy


def test_unrelated_documents_are_not_clustered(conn) -> None:
    land(conn, "run-2", pieces(6))
    refresh(conn, gazetteer())
    assert conn.execute("SELECT count(*) FROM duplicate_clusters").fetchone() == (0,)


def test_a_failed_refresh_keeps_nothing(conn) -> None:
    conn.execute("ALTER TABLE minhash_bands RENAME TO minhash_bands_away")  # the minhash step, late, fails
    with pytest.raises(AnalysisError, match="rolled back"):
        refresh(conn, gazetteer())
    assert conn.execute("SELECT count(*) FROM analysis_documents").fetchone() == (0,)
    assert conn.execute("SELECT count(*) FROM mentions").fetchone() == (0,)
    conn.execute("ALTER TABLE minhash_bands_away RENAME TO minhash_bands")
    assert refresh(conn, gazetteer()).documents == 5


class RacedGazetteer:
    """The shipped gazetteer, but while the refresh writes its entities another writer of the same
    database stores one of them first: the refresh's COMMIT then fails on the duplicate key."""

    def __init__(self, conn: duckdb.DuckDBPyConnection) -> None:
        self.real = gazetteer()
        self.other = conn.cursor()
        self.other.execute(f"USE {conn.execute('SELECT current_database()').fetchone()[0]}")  # type: ignore[index]

    @property
    def fingerprint(self) -> str:
        return self.real.fingerprint

    def entity_rows(self) -> list[tuple[str, str, list[str]]]:
        return self.real.entity_rows()

    def pattern_rows(self) -> list[tuple[str, str, int, int, int, str, str]]:
        self.other.execute("INSERT INTO gazetteer VALUES (?, ?, ?)", self.real.entity_rows()[0])
        return self.real.pattern_rows()


def test_a_failed_commit_is_reported_with_its_cause_not_the_rollbacks(conn) -> None:
    with pytest.raises(AnalysisError, match="rolled back") as failed:
        refresh(conn, RacedGazetteer(conn))
    assert "Failed to commit" in str(failed.value)
    assert "duplicate key" in str(failed.value)
    assert isinstance(failed.value.__cause__, duckdb.TransactionException)
    assert conn.execute("SELECT count(*) FROM analysis_documents").fetchone() == (0,)
    assert conn.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall() == []
    assert refresh(conn, gazetteer()).documents == 5


def test_a_failed_step_is_named_and_leaves_no_working_tables(conn) -> None:
    conn.execute("ALTER TABLE seed_closeness RENAME TO seed_closeness_away")
    with pytest.raises(AnalysisError, match=r"failed in its closeness step \(TF-IDF closeness to the seeds\)"):
        refresh(conn, gazetteer())
    assert conn.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall() == []


def test_the_shipped_gazetteer_covers_the_seed_actors() -> None:
    names = {e.name for e in gazetteer().entities}
    assert {
        "Trump",
        "Putin",
        "Zelensky",
        "Witkoff",
        "Lavrov",
        "Rubio",
        "Waltz",
        "Ushakov",
        "Dmitriev",
        "Peskov",
        "Kellogg",
        "Xi",
        "Shoigu",
        "Macron",
        "Starmer",
        "Grushko",
        "Riyadh",
        "Istanbul",
        "Jeddah",
        "Moscow",
        "Kyiv",
        "Beijing",
        "Kursk",
    } <= names


def test_a_warehouse_analysed_before_migration_0004_gets_its_patterns(conn) -> None:
    refresh(conn, gazetteer())
    conn.execute("DELETE FROM gazetteer_patterns")
    conn.execute("UPDATE analysis_state SET gazetteer_hash = NULL")  # what 0004 does to such a warehouse
    (new,) = land(conn, "run-2", pieces(1))
    report = refresh(conn, gazetteer())
    assert report.documents == 1
    assert not report.mentions_recounted
    assert conn.execute("SELECT count(*) FROM gazetteer_patterns").fetchone()[0] > 0
    assert conn.execute("SELECT entity FROM mentions WHERE doc_id = ? ORDER BY 1", [new]).fetchall() == [
        ("Dmitriev",),
        ("Riyadh",),
        ("Witkoff",),
    ]
