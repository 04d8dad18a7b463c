"""The analysis answers on the real seed corpus: mentions, closeness, search, near-duplicates."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.analysis_corpus import (
    RUSSIAN_RIYADH,
    SEED_000,
    SEED_001,
    SEED_002,
    SEED_003,
    SEED_004,
    feed_doc,
    gazetteer,
    land,
    land_seed_corpus,
    novel,
    republished_000,
)
from tests.invariants import assert_invariants_hold
from warehouse.analysis import refresh
from warehouse.analysis.reads import on_connection, search
from warehouse.db import open_writer

SEEDS = {SEED_000, SEED_001, SEED_002, SEED_003, SEED_004}


@pytest.fixture(scope="module")
def analysed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    """Seeds, a Russian report of Riyadh, a re-post of seed 000 and a short piece: analysed once."""
    path = tmp_path_factory.mktemp("analysis") / "w.duckdb"
    with open_writer(path) as conn:
        land_seed_corpus(conn)
        land(
            conn,
            "run-1",
            [
                feed_doc("vesti", "riyadh", RUSSIAN_RIYADH, published="2025-02-19", language="ru"),
                republished_000(),
                novel("xi-visit", "Xi Jinping met Xi's guests; Си Цзиньпин встретился с гостями. Trump. Trump."),  # noqa: RUF001 (mixed scripts on purpose)
            ],
        )
        refresh(conn, gazetteer())
        yield conn


def mentions(conn: duckdb.DuckDBPyConnection, doc_id: str) -> dict[tuple[str, bool], int]:
    rows = conn.execute("SELECT entity, in_comments, count FROM mentions WHERE doc_id = ?", [doc_id]).fetchall()
    return {(entity, in_comments): count for entity, in_comments, count in rows}


def doc_id_of(conn: duckdb.DuckDBPyConnection, slug: str) -> str:
    row = conn.execute("SELECT doc_id FROM documents WHERE url LIKE ?", [f"%/{slug}/"]).fetchone()
    assert row is not None
    return str(row[0])


def test_seed_002_mentions_witkoff_putin_and_trump(analysed) -> None:
    found = mentions(analysed, SEED_002)
    # "Witkoff-Putin talks", the caption "Moscow-Putin-Witkoff-meeting" twice, "Special Envoy Steve Witkoff"
    assert found[("Witkoff", False)] == 4
    assert found[("Trump", False)] == 7  # "… for Trump. Trump will need …" counts twice
    assert found[("Putin", False)] == 8
    assert not any(in_comments for _, in_comments in found)  # 002 has no comments


def test_003_comment_mentions_are_counted_apart_from_its_body(analysed) -> None:
    found = mentions(analysed, SEED_003)
    assert found[("Trump", False)] == 22
    assert found[("Trump", True)] == 77
    assert found[("Putin", False)] == 11
    assert found[("Putin", True)] == 25
    assert found[("Jeddah", False)] == 2
    assert found[("Jeddah", True)] == 2
    assert ("Kursk", False) not in found
    assert found[("Kursk", True)] == 9


def test_aliases_spellings_and_cyrillic_forms(analysed) -> None:
    russian = mentions(analysed, doc_id_of(analysed, "riyadh"))
    expected = {
        "Riyadh": 1,  # Эр-Рияде
        "Washington": 1,  # Вашингтоне
        "Moscow": 1,  # Москве
        "Lavrov": 1,
        "Rubio": 1,
        "Ushakov": 1,
        "Putin": 1,  # Путина
        "Trump": 1,  # Трампа
        "Zelensky": 1,  # Зеленский
        "Kyiv": 1,  # Киев
        "Ukraine": 2,  # Украине, Украины
    }
    assert {entity: n for (entity, _), n in russian.items()} == expected
    # 000 says "Kiev" and "Xi Jinping" once, "Xi" five times more: one mention per occurrence
    assert mentions(analysed, SEED_000)[("Kyiv", False)] == 1
    assert mentions(analysed, SEED_000)[("Xi", False)] == 6
    # overlapping aliases of one entity count once; the same name twice counts twice
    piece = mentions(analysed, doc_id_of(analysed, "xi-visit"))
    assert piece[("Xi", False)] == 3
    assert piece[("Trump", False)] == 2


def test_mentions_by_day_counts_documents_mentions_and_outlets(analysed) -> None:
    rows = analysed.execute(
        "SELECT day::VARCHAR, documents, mentions, outlets, comment_mentions FROM mentions_by_day "
        "WHERE entity = 'Riyadh' ORDER BY day"
    ).fetchall()
    assert rows == [
        ("2025-02-18", 1, 1, 1, 0),  # 004
        ("2025-02-19", 1, 1, 1, 0),  # the Russian report
        ("2025-02-28", 1, 3, 1, 0),  # 000
        ("2025-03-01", 1, 4, 1, 0),  # 001 (003 says Riyadh in neither body nor comments)
        ("2025-03-12", 1, 3, 1, 0),  # the re-post of 000
    ]


def test_the_seeds_closest_pair_is_001_and_004(analysed) -> None:
    pairs = analysed.execute(
        "SELECT doc_id, seed_id, similarity FROM seed_similarity WHERE doc_id IN (SELECT unnest(?::VARCHAR[])) "
        "ORDER BY similarity DESC, doc_id",
        [sorted(SEEDS)],
    ).fetchall()
    assert {pairs[0][0], pairs[0][1]} == {SEED_001, SEED_004}  # the two accounts of the Riyadh round
    assert pairs[0][2] == pytest.approx(pairs[1][2])
    assert {pairs[1][0], pairs[1][1]} == {SEED_001, SEED_004}
    assert all(0 < s < 1 and d != seed for d, seed, s in pairs)
    assert len(pairs) == 20


def test_closest_to_seeds_finds_the_repost_and_ranks_by_the_corpus(analysed) -> None:
    rows = {
        r[0]: r[1:]
        for r in analysed.execute(
            "SELECT doc_id, similarity, closest_seed, closest_similarity FROM closest_to_seeds"
        ).fetchall()
    }
    repost = rows[doc_id_of(analysed, "tea-leaves-repost")]
    assert repost[1] == SEED_000
    assert repost[2] > 0.95
    assert rows[SEED_001][1] == SEED_004
    assert rows[SEED_004][1] == SEED_001
    # a seed is compared with the other seeds, never with itself
    assert all(rows[s][1] != s and 0 < rows[s][0] < 1 for s in SEEDS)
    assert len(rows) == 8


def test_a_repost_of_a_seed_lands_in_the_seeds_cluster(analysed) -> None:
    repost = doc_id_of(analysed, "tea-leaves-repost")
    rows = analysed.execute("SELECT cluster_id, doc_id, similarity FROM duplicate_clusters ORDER BY doc_id").fetchall()
    assert {(c, d) for c, d, _ in rows} == {(SEED_000, SEED_000), (SEED_000, repost)}
    similarity = {d: s for _, d, s in rows}
    assert similarity[SEED_000] == 1.0
    assert 0.8 < similarity[repost] < 1.0


def test_search_ranks_by_bm25_with_a_snippet(analysed) -> None:
    stems, hits = search(on_connection(analysed), "ceasefire Jeddah")
    assert stems == ["ceasefir", "jeddah"]
    assert hits[0].doc_id == SEED_003
    assert hits[0].terms_matched == 2
    assert "«ceasefire»" in hits[0].snippet.lower() or "«jeddah»" in hits[0].snippet.lower()
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_search_comments_ranks_comments(analysed) -> None:
    _, hits = search(on_connection(analysed), "weathervane", comments=True)
    assert [(h.doc_id, h.comment_no, h.author) for h in hits] == [(SEED_003, 3, "Carolinian")]
    assert "«weathervane»" in hits[0].snippet


def test_search_in_russian_uses_the_russian_stemmer(analysed) -> None:
    _, hits = search(on_connection(analysed), "переговоры посольства")
    assert hits
    assert hits[0].doc_id == doc_id_of(analysed, "riyadh")


def test_the_warehouse_invariants_still_hold(analysed) -> None:
    assert_invariants_hold(analysed)


def test_refresh_leaves_no_working_tables(analysed) -> None:
    temps = analysed.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()
    assert temps == []


def test_full_rebuild_gives_the_same_mentions_and_clusters(tmp_path: Path) -> None:
    with open_writer(tmp_path / "w.duckdb") as conn:
        land_seed_corpus(conn)
        refresh(conn, gazetteer())
        land(conn, "run-1", [republished_000()])
        refresh(conn, gazetteer())
        incremental = (
            conn.execute("SELECT * FROM mentions ORDER BY ALL").fetchall(),
            conn.execute("SELECT * FROM duplicate_clusters ORDER BY ALL").fetchall(),
            conn.execute("SELECT * FROM term_freqs ORDER BY ALL").fetchall(),
        )
        report = refresh(conn, gazetteer(), full=True)
        assert report.full
        assert report.documents == 6
        assert incremental == (
            conn.execute("SELECT * FROM mentions ORDER BY ALL").fetchall(),
            conn.execute("SELECT * FROM duplicate_clusters ORDER BY ALL").fetchall(),
            conn.execute("SELECT * FROM term_freqs ORDER BY ALL").fetchall(),
        )
