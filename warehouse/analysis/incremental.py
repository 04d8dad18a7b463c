"""The incremental refresh: only documents absent from the ledger are processed, in one transaction.

The refresh reads its state (``state.sql``, after a reset for ``full=True``) and how much is pending,
stops there when nothing is new and the gazetteer is unchanged, and otherwise runs ``STEPS`` in order,
each from its file in warehouse/sql/analysis/refresh/:

1. ``scope``: the pending documents (``_pending``) and their bodies and comments as words (``_units``);
2. ``terms``: stems, term frequencies, unit lengths and document frequencies (the BM25/TF-IDF tables);
3. ``mentions``: gazetteer mentions (the gazetteer's tables written anew first when it changed);
4. ``closeness``: TF-IDF closeness of the new bodies to each seed and to the seed corpus;
5. ``minhash``: MinHash signatures and LSH buckets, near-duplicate pairs folded into clusters;
6. ``state``: the new documents enter the ledger, and the state row is written.

Nothing scans the whole corpus again, except the two cases that need it and say so in the report: the
gazetteer changed (mentions are recounted everywhere: ``_units`` then holds every analysed text too) or
the seed set changed (closeness is recomputed everywhere). ``full=True`` rebuilds all.

A step's working tables (``_name``) are temporary and its own: the ``drop`` statement of its file
removes them once no later step reads them (``kept_until``). When a step fails, the rollback takes
them with everything else, and the error names the step.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Protocol

import duckdb

from warehouse.analysis.clusters import update_clusters
from warehouse.analysis.extension import load_fts
from warehouse.analysis.text import (
    DUPLICATE_THRESHOLD,
    MINHASH_BANDS,
    MINHASH_BINS,
    MINHASH_ROWS,
    STOP_WORDS,
)
from warehouse.errors import AnalysisError
from warehouse.load import _rollback
from warehouse.sqlfiles import sql, statements

_FOLDER = "analysis/refresh"


class GazetteerRows(Protocol):
    """What the refresh needs of a gazetteer: a fingerprint that changes with any spelling, and its rows."""

    @property
    def fingerprint(self) -> str: ...

    def entity_rows(self) -> Iterable[Sequence[Any]]: ...

    def pattern_rows(self) -> Iterable[Sequence[Any]]: ...


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


@dataclass(frozen=True)
class _Statements:
    """The named statements of one file of warehouse/sql/analysis/refresh/, run on the refresh's connection."""

    conn: duckdb.DuckDBPyConnection
    file: str

    def run(self, name: str, params: Sequence[object] = ()) -> duckdb.DuckDBPyConnection:
        return self.conn.execute(sql(f"{_FOLDER}/{self.file}/{name}"), list(params))

    def one(self, name: str, params: Sequence[object] = ()) -> tuple[Any, ...]:
        row = self.run(name, params).fetchone()
        if row is None:  # an aggregate or an INSERT always answers with one row
            raise AnalysisError(f"the refresh's {self.file}/{name} statement returned no row")
        return row

    def inserted(self, name: str, params: Sequence[object] = ()) -> int:
        """Run an INSERT; DuckDB answers with the number of rows inserted."""
        return int(self.one(name, params)[0])

    def each(self, name: str, rows: Iterable[Sequence[Any]]) -> None:
        self.conn.executemany(sql(f"{_FOLDER}/{self.file}/{name}"), [list(row) for row in rows])


@dataclass(frozen=True)
class _Refresh:
    """What the steps know and have done so far: the state as read, then their counts."""

    gazetteer: GazetteerRows
    full: bool
    watermark: datetime | None
    done_documents: int
    done_comments: int
    refreshes: int
    gazetteer_hash: str | None
    seed_ids: list[str] | None
    documents: int
    comments: int
    newest: datetime | None
    terms: int = 0
    mentions: int = 0
    seeds: tuple[str, ...] = ()
    similarities: int = 0
    closeness_rescored: bool = False
    duplicate_pairs: int = 0
    clusters: int = 0

    @property
    def total_documents(self) -> int:
        return self.done_documents + self.documents

    @property
    def gazetteer_changed(self) -> bool:
        """It changed since the mentions were counted (a warehouse never refreshed has nothing to recount)."""
        return self.gazetteer_hash is not None and self.gazetteer_hash != self.gazetteer.fingerprint

    @property
    def recount(self) -> bool:
        """Every analysed document's mentions are counted again."""
        return self.gazetteer_changed and self.done_documents > 0


def _scope(q: _Statements, r: _Refresh) -> _Refresh:
    q.run("pending")
    q.run("units", [r.recount])
    return r


def _terms(q: _Statements, r: _Refresh) -> _Refresh:
    q.run("new_stems", [list(STOP_WORDS)])
    q.run("counts")
    added = q.inserted("insert_freqs")
    q.run("insert_lengths")
    q.run("upsert_df")
    q.run("insert_seed_terms")
    return replace(r, terms=added)


def _mentions(q: _Statements, r: _Refresh) -> _Refresh:
    if r.gazetteer_hash != r.gazetteer.fingerprint:
        q.run("clear_gazetteer")
        q.each("insert_entity", r.gazetteer.entity_rows())
        q.each("insert_pattern", r.gazetteer.pattern_rows())
    if r.recount:
        q.run("clear")
    q.run("word_hits")
    return replace(r, mentions=q.inserted("count"))


def _closeness(q: _Statements, r: _Refresh) -> _Refresh:
    seeds = tuple(q.one("seeds")[0])
    everything = r.seed_ids is not None and tuple(r.seed_ids) != seeds and r.done_documents > 0
    if not seeds:
        return replace(r, seeds=seeds, closeness_rescored=everything)
    if everything:
        q.run("clear")
    q.run("scope_all" if everything else "scope_pending")
    q.run("seed_pairs")
    q.run("seed_scores")
    added = q.inserted("insert_similarity")
    q.run("insert_closeness", [r.total_documents])
    return replace(r, seeds=seeds, similarities=added, closeness_rescored=everything)


def _minhash(q: _Statements, r: _Refresh) -> _Refresh:
    q.run("shingle_bins", [MINHASH_BINS])
    q.run("signatures", [MINHASH_BINS])
    q.run("insert_signatures")
    q.run("bands", [MINHASH_BANDS, MINHASH_ROWS])
    q.run("insert_bands")
    pairs = [(a, b, float(s)) for a, b, s in q.run("near_duplicates", [DUPLICATE_THRESHOLD]).fetchall()]
    _, clusters = update_clusters(q.conn, pairs)
    return replace(r, duplicate_pairs=len(pairs), clusters=clusters)


def _state(q: _Statements, r: _Refresh) -> _Refresh:
    refresh_no = r.refreshes + 1
    now = datetime.now(UTC)
    q.run("ledger", [refresh_no, now])
    watermark = max((w for w in (r.watermark, r.newest) if w is not None), default=None)
    q.run(
        "save",
        [
            watermark,
            r.total_documents,
            r.done_comments + r.comments,
            refresh_no,
            now,
            r.gazetteer.fingerprint,
            list(r.seeds),
        ],
    )
    return r


@dataclass(frozen=True)
class Step:
    """One step of the refresh: its file of statements, what it does, and the code that runs them."""

    file: str  # warehouse/sql/analysis/refresh/<file>.sql
    does: str
    run: Callable[[_Statements, _Refresh], _Refresh]
    kept_until: str | None = None  # the last step that reads its working tables (None: itself)


STEPS = (
    Step("scope", "the pending documents and their texts as words", _scope, kept_until="state"),
    Step("terms", "stems, term and document frequencies", _terms, kept_until="closeness"),
    Step("mentions", "gazetteer mentions", _mentions),
    Step("closeness", "TF-IDF closeness to the seeds", _closeness),
    Step("minhash", "MinHash signatures and near-duplicate clusters", _minhash),
    Step("state", "the ledger and the state row", _state),
)


def _start(conn: duckdb.DuckDBPyConnection, gazetteer: GazetteerRows, full: bool) -> _Refresh:
    state = _Statements(conn, "state")
    if full:
        state.run("reset")
    row = state.run("read").fetchone()
    watermark, done_documents, done_comments, refreshes, gazetteer_hash, seed_ids = row or (None, 0, 0, 0, None, None)
    documents, comments, newest = _Statements(conn, "scope").one("summary")
    return _Refresh(
        gazetteer=gazetteer,
        full=full,
        watermark=watermark,
        done_documents=done_documents,
        done_comments=done_comments,
        refreshes=refreshes,
        gazetteer_hash=gazetteer_hash,
        seed_ids=seed_ids,
        documents=documents,
        comments=comments,
        newest=newest,
    )


def _run_step(conn: duckdb.DuckDBPyConnection, step: Step, r: _Refresh) -> _Refresh:
    """Run one step, then drop the working tables of every step (this one included) no later step reads."""
    r = step.run(_Statements(conn, step.file), r)
    for done in STEPS:
        if (done.kept_until or done.file) == step.file and "drop" in statements(f"{_FOLDER}/{done.file}"):
            _Statements(conn, done.file).run("drop")
    return r


def _report(r: _Refresh, started: float) -> RefreshReport:
    return RefreshReport(
        documents=r.documents,
        comments=r.comments,
        terms=r.terms,
        mentions=r.mentions,
        similarities=r.similarities,
        duplicate_pairs=r.duplicate_pairs,
        clusters=r.clusters,
        total_documents=r.total_documents,
        full=r.full,
        mentions_recounted=r.recount,
        closeness_rescored=r.closeness_rescored,
        seconds=time.perf_counter() - started,
    )


def refresh(conn: duckdb.DuckDBPyConnection, gazetteer: GazetteerRows, *, full: bool = False) -> RefreshReport:
    """Bring the analysis up to date with the documents landed since the last refresh.

    Processes exactly the documents not yet in the ``analysis_documents`` ledger (all of them when
    ``full``), in one transaction: on any error nothing of it is kept, and AnalysisError names the step
    and the cause. With nothing new and an unchanged gazetteer it writes nothing and says so
    (``nothing_new``).
    """
    started = time.perf_counter()
    load_fts(conn)
    conn.execute("BEGIN TRANSACTION")
    doing = "reading its state"
    try:
        r = _start(conn, gazetteer, full)
        nothing_new = r.documents == 0 and not r.gazetteer_changed
        for step in () if nothing_new else STEPS:
            doing = f"its {step.file} step ({step.does})"
            r = _run_step(conn, step, r)
        doing = "its commit"
        conn.execute("COMMIT")
    except duckdb.Error as exc:
        _rollback(conn)  # a failed COMMIT has rolled back already: a second ROLLBACK must not hide why
        raise AnalysisError(f"the analysis refresh failed in {doing} and was rolled back: {exc}") from exc
    except BaseException:
        _rollback(conn)
        raise
    if nothing_new:
        return RefreshReport(total_documents=r.done_documents, nothing_new=True, seconds=time.perf_counter() - started)
    return _report(r, started)
