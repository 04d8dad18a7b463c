"""The incremental refresh: only documents absent from the ledger are processed, in one transaction.

Per new document (body and comments): words, stems and term frequencies (the BM25/TF-IDF tables),
gazetteer mentions, TF-IDF closeness to each seed and to the seed corpus, a MinHash signature and its
LSH buckets, then near-duplicate pairs folded into clusters. Nothing scans the whole corpus again, except
the two cases that need it and say so in the report: the gazetteer changed (mentions are recounted
everywhere) or the seed set changed (closeness is recomputed everywhere). ``full=True`` rebuilds all.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb

from warehouse.analysis.clusters import update_clusters
from warehouse.analysis.extension import load_fts
from warehouse.analysis.gazetteer import Gazetteer
from warehouse.analysis.text import (
    DUPLICATE_THRESHOLD,
    MINHASH_BANDS,
    MINHASH_BINS,
    MINHASH_ROWS,
    STOP_WORDS,
)
from warehouse.errors import AnalysisError
from warehouse.load import _rollback
from warehouse.sqlfiles import sql


@dataclass(frozen=True)
class RefreshReport:
    """What one refresh did. ``nothing_new`` is true when it found nothing to do and wrote nothing."""

    documents: int = 0  # documents processed
    comments: int = 0  # their comments
    terms: int = 0  # term-frequency rows added (bodies and comments)
    mentions: int = 0  # mention rows written
    similarities: int = 0  # (document, seed) closeness rows written
    duplicate_pairs: int = 0  # near-duplicate pairs found
    clusters: int = 0  # duplicate clusters created or grown
    total_documents: int = 0  # documents analysed, this refresh included
    nothing_new: bool = False
    full: bool = False
    mentions_recounted: bool = False  # the gazetteer changed: every document's mentions were recounted
    closeness_rescored: bool = False  # the seed set changed: every document's closeness was recomputed
    seconds: float = 0.0

    @property
    def summary(self) -> str:
        """One line for a person."""
        if self.nothing_new:
            return f"nothing new since the last refresh ({self.total_documents} documents analysed)"
        extra = [
            text
            for flag, text in (
                (self.full, "full rebuild"),
                (self.mentions_recounted, "gazetteer changed: mentions recounted everywhere"),
                (self.closeness_rescored, "seed set changed: closeness recomputed everywhere"),
            )
            if flag
        ]
        return (
            f"analysed {self.documents} new documents ({self.comments} comments): {self.mentions} mention rows, "
            f"{self.similarities} seed similarities, {self.duplicate_pairs} near-duplicate pairs "
            f"in {self.clusters} clusters; {self.total_documents} documents analysed in all, {self.seconds:.2f} s"
            + (f" ({'; '.join(extra)})" if extra else "")
        )


def _one(conn: duckdb.DuckDBPyConnection, name: str, params: list[object] | None = None) -> tuple:
    row = conn.execute(sql(f"analysis/refresh/{name}"), params or []).fetchone()
    assert row is not None, name
    return row


def _run(conn: duckdb.DuckDBPyConnection, name: str, params: list[object] | None = None) -> None:
    conn.execute(sql(f"analysis/refresh/{name}"), params or [])


def _insert(conn: duckdb.DuckDBPyConnection, name: str, params: list[object] | None = None) -> int:
    """Run an INSERT file; DuckDB answers with the number of rows inserted."""
    return int(_one(conn, name, params)[0])


def _index_terms(conn: duckdb.DuckDBPyConnection) -> int:
    """Stems, term frequencies, lengths and document frequencies of the units in ``_units``."""
    _run(conn, "new_stems", [list(STOP_WORDS)])
    _run(conn, "term_counts")
    added = _insert(conn, "insert_term_freqs")
    _run(conn, "insert_unit_lengths")
    _run(conn, "upsert_term_df")
    _run(conn, "insert_seed_terms")
    return added


def _count_mentions(conn: duckdb.DuckDBPyConnection) -> int:
    """Gazetteer mentions in the units of ``_units`` (bodies and comments apart)."""
    _run(conn, "word_hits")
    return _insert(conn, "insert_mentions")


def _replace_gazetteer(conn: duckdb.DuckDBPyConnection, gazetteer: Gazetteer) -> None:
    _run(conn, "clear_gazetteer")
    conn.executemany(sql("analysis/refresh/insert_gazetteer"), gazetteer.entity_rows())
    conn.executemany(sql("analysis/refresh/insert_pattern"), gazetteer.pattern_rows())


def _score_closeness(conn: duckdb.DuckDBPyConnection, everything: bool, corpus_documents: int) -> int:
    """TF-IDF closeness of the new bodies (or of all, when ``everything``) to each seed and to the corpus."""
    if everything:
        _run(conn, "clear_closeness")
    _run(conn, "score_scope_all" if everything else "score_scope_pending")
    _run(conn, "seed_pairs")
    _run(conn, "seed_scores")
    added = _insert(conn, "insert_seed_similarity")
    _run(conn, "insert_seed_closeness", [corpus_documents])
    return added


def _find_duplicates(conn: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """MinHash the new bodies, find their near-duplicates among all bodies, update the clusters."""
    _run(conn, "shingle_bins", [MINHASH_BINS])
    _run(conn, "signatures", [MINHASH_BINS])
    _run(conn, "insert_signatures")
    _run(conn, "bands", [MINHASH_BANDS, MINHASH_ROWS])
    _run(conn, "insert_bands")
    pairs = [
        (a, b, float(s))
        for a, b, s in conn.execute(sql("analysis/refresh/near_duplicates"), [DUPLICATE_THRESHOLD]).fetchall()
    ]
    _, clusters = update_clusters(conn, pairs)
    return len(pairs), clusters


def refresh(conn: duckdb.DuckDBPyConnection, gazetteer: Gazetteer, *, full: bool = False) -> RefreshReport:
    """Bring the analysis up to date with the documents landed since the last refresh.

    Processes exactly the documents not yet in the ``analysis_documents`` ledger (all of them when
    ``full``), in one transaction: on any error nothing of it is kept. With nothing new and an unchanged
    gazetteer it writes nothing and says so (``nothing_new``).
    """
    started = time.perf_counter()
    load_fts(conn)
    conn.execute("BEGIN TRANSACTION")
    try:
        report = _refresh(conn, gazetteer, full=full, started=started)
        # Dropped inside the transaction: after a failure the rollback takes them with everything else.
        conn.execute(sql("analysis/refresh/drop_temps"))
        conn.execute("COMMIT")
    except duckdb.Error as exc:
        _rollback(conn)  # a failed COMMIT has rolled back already: a second ROLLBACK must not hide why
        raise AnalysisError(f"the analysis refresh failed and was rolled back: {exc}") from exc
    except BaseException:
        _rollback(conn)
        raise
    return report


def _refresh(conn: duckdb.DuckDBPyConnection, gazetteer: Gazetteer, *, full: bool, started: float) -> RefreshReport:
    if full:
        _run(conn, "reset")
    state = conn.execute(sql("analysis/refresh/read_state")).fetchone()
    watermark, done_docs, done_comments, refreshes, gazetteer_hash, seed_ids = state or (None, 0, 0, 0, None, None)
    _run(conn, "pending")
    documents, comments, newest = _one(conn, "pending_summary")
    gazetteer_changed = gazetteer_hash is not None and gazetteer_hash != gazetteer.fingerprint
    if documents == 0 and not gazetteer_changed:
        return RefreshReport(total_documents=done_docs, nothing_new=True, seconds=time.perf_counter() - started)

    mentions = 0
    if gazetteer_hash != gazetteer.fingerprint:
        _replace_gazetteer(conn, gazetteer)
    if gazetteer_changed and done_docs:
        # Spellings changed: recount every document already analysed (the new ones are counted below).
        _run(conn, "clear_mentions")
        _run(conn, "scope_analysed")
        _run(conn, "units")
        mentions += _count_mentions(conn)

    _run(conn, "scope_pending")
    _run(conn, "units")
    terms = _index_terms(conn)
    mentions += _count_mentions(conn)

    total = done_docs + documents
    current_seeds = list(_one(conn, "seed_ids")[0])
    seeds_changed = seed_ids is not None and list(seed_ids) != current_seeds and done_docs > 0
    similarities = _score_closeness(conn, seeds_changed, total) if current_seeds else 0
    pairs, clusters = _find_duplicates(conn)

    refresh_no = refreshes + 1
    now = datetime.now(UTC)
    _run(conn, "record_ledger", [refresh_no, now])
    new_watermark = max((w for w in (watermark, newest) if w is not None), default=None)
    _run(
        conn,
        "upsert_state",
        [new_watermark, total, done_comments + comments, refresh_no, now, gazetteer.fingerprint, current_seeds],
    )
    return RefreshReport(
        documents=documents,
        comments=comments,
        terms=terms,
        mentions=mentions,
        similarities=similarities,
        duplicate_pairs=pairs,
        clusters=clusters,
        total_documents=total,
        full=full,
        mentions_recounted=gazetteer_changed and done_docs > 0,
        closeness_rescored=seeds_changed,
        seconds=time.perf_counter() - started,
    )
