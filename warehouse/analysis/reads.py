"""What the CLI asks of the analysis: search, trends, what's new. Read-only; queries in sql/analysis/reads.sql."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb

from warehouse.analysis.text import query_words, snippet
from warehouse.errors import QueryError
from warehouse.query import QueryResult, run_query
from warehouse.sqlfiles import sql

Runner = Callable[[str, list[Any]], QueryResult]
PERIODS = ("day", "week", "month")
_EPOCH = date(1970, 1, 1)


def on_file(path: Path) -> Runner:
    """Run queries on the warehouse file, read-only and sandboxed (warehouse.query.run_query)."""
    return lambda text, params: run_query(path, text, params=params)


def on_connection(conn: duckdb.DuckDBPyConnection) -> Runner:
    """Run queries on an open connection (tests, the benchmark)."""

    def run(text: str, params: list[Any]) -> QueryResult:
        cursor = conn.execute(text, params)
        return QueryResult([d[0] for d in cursor.description or []], cursor.fetchall())

    return run


def _named(run: Runner, name: str, params: list[Any] | None = None) -> QueryResult:
    return run(sql(f"analysis/reads/{name}"), params or [])


# ---------------------------------------------------------------- search


@dataclass(frozen=True)
class Hit:
    """One ranked document (comment_no 0) or comment, with a snippet around the query words."""

    doc_id: str
    comment_no: int
    source: str
    title: str | None
    author: str | None
    published: date | None
    score: float
    terms_matched: int
    snippet: str


def search(run: Runner, text: str, *, comments: bool = False, limit: int = 10) -> tuple[list[str], list[Hit]]:
    """BM25-ranked documents (or comments) for a query; returns (the stems searched for, the hits)."""
    words = query_words(text)
    if not words:
        raise QueryError(f"nothing to search for in {text!r}: only stop words or punctuation")
    stems = sorted({row[1] for row in _named(run, "query_stems", [words]).rows})
    if not stems:
        return [], []
    result = _named(run, "search_comments" if comments else "search_documents", [stems, limit])
    hits = [
        Hit(
            doc_id=row[0],
            comment_no=row[1],
            source=row[2],
            title=row[3],
            author=row[4],
            published=row[5],
            score=round(float(row[6]), 3),
            terms_matched=row[7],
            snippet=snippet(row[8], stems).text,
        )
        for row in result.rows
    ]
    return stems, hits


# ---------------------------------------------------------------- trends


@dataclass(frozen=True)
class Trend:
    """One entity's mentions per period (only periods with any)."""

    entity: str
    kind: str
    periods: list[dict[str, Any]]  # period, documents, mentions, outlets, comment_mentions

    @property
    def mentions(self) -> int:
        """Mentions in article text over all periods."""
        return sum(p["mentions"] for p in self.periods)

    @property
    def comment_mentions(self) -> int:
        """Mentions in reader comments over all periods."""
        return sum(p["comment_mentions"] for p in self.periods)

    @property
    def documents(self) -> int:
        """Documents mentioning the entity in their text (a document counts once per period)."""
        return sum(p["documents"] for p in self.periods)


def entities(run: Runner) -> dict[str, tuple[str, list[str]]]:
    """The gazetteer the mentions were counted with: entity -> (kind, aliases)."""
    return {row[0]: (row[1], list(row[2])) for row in _named(run, "entities").rows}


def resolve(known: dict[str, tuple[str, list[str]]], names: list[str]) -> list[str]:
    """Entity names for what a person typed (a name or any alias, any case); QueryError for the unknown."""
    lookup: dict[str, str] = {}
    for entity, (_, aliases) in known.items():
        for spelling in [entity, *aliases]:
            lookup.setdefault(spelling.rstrip("*").lower(), entity)
    resolved: list[str] = []
    unknown: list[str] = []
    for name in names:
        found = lookup.get(name.strip().lower())
        if found is None:
            unknown.append(name)
        elif found not in resolved:
            resolved.append(found)
    if unknown:
        choices = ", ".join(sorted(known)) or "nothing yet (run `tealeaves analyze`)"
        raise QueryError(f"not in the gazetteer: {', '.join(unknown)}. Known: {choices}")
    return resolved


def trends(
    run: Runner, names: list[str], *, since: date | None = None, period: str = "week", top: int = 6
) -> list[Trend]:
    """Mentions per period of the named entities (the ``top`` most mentioned when none are named)."""
    if period not in PERIODS:
        raise QueryError(f"period must be one of {', '.join(PERIODS)}, not {period!r}")
    known = entities(run)
    start = since or _EPOCH
    chosen = resolve(known, names) if names else [r[0] for r in _named(run, "top_entities", [start, top]).rows]
    rows = _named(run, "trends", [chosen, start, period]).rows
    by_entity: dict[str, list[dict[str, Any]]] = {e: [] for e in chosen}
    for entity, when, documents, mentions, outlets, comment_mentions in rows:
        by_entity[entity].append(
            {
                "period": when,
                "documents": documents,
                "mentions": mentions,
                "outlets": outlets,
                "comment_mentions": comment_mentions,
            }
        )
    return [Trend(e, known.get(e, ("?", []))[0], by_entity[e]) for e in chosen]


# ---------------------------------------------------------------- what's new


@dataclass(frozen=True)
class WhatsNew:
    """Documents landed since a moment, busiest comment threads first."""

    since: datetime | None
    documents: int
    comments: int
    outlets: int
    newest: datetime | None
    analysed: int
    table: QueryResult


def resolve_since(run: Runner, text: str) -> datetime:
    """An ingest run id (its start) or an ISO date / date-time (UTC unless it says otherwise)."""
    started = _named(run, "run_started", [text]).rows
    if started:
        when: datetime = started[0][0]
        return when
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise QueryError(f"--since takes an ingest run id or a date like 2025-03-11, not {text!r}") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def whats_new(run: Runner, since: datetime | None, *, limit: int = 20) -> WhatsNew:
    """Documents and their comment activity landed after ``since`` (everything when None)."""
    moment = since or datetime(1970, 1, 1, tzinfo=UTC)
    summary = _named(run, "new_summary", [moment]).rows[0]
    table = _named(run, "new_documents", [moment, limit])
    return WhatsNew(since, summary[0], summary[1], summary[2], summary[3], summary[4], table)


def last_look_file(db: Path) -> Path:
    """Where a reader's last look is remembered: a small file beside the warehouse, so that remembering
    never needs the warehouse's write lock (an ingest may hold it)."""
    return db.with_name(db.name + ".last-look.json")


def read_last_look(db: Path) -> datetime | None:
    """The newest landing the reader saw at their last look (None before the first)."""
    try:
        data = json.loads(last_look_file(db).read_text(encoding="utf-8"))
        return datetime.fromisoformat(data["seen_through"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise QueryError(f"{last_look_file(db)} is unreadable ({exc}); delete it to start afresh") from exc


def remember_look(db: Path, seen_through: datetime) -> None:
    """Remember that the reader has seen everything landed up to ``seen_through``."""
    path = last_look_file(db)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps({"seen_through": seen_through.isoformat()}) + "\n", encoding="utf-8")
    temporary.replace(path)
