"""Ad-hoc SQL for people: read-only, no file or network access, bounded in time and memory. Queries
read the snapshot beside the warehouse (warehouse/snapshot.py), so a long one never blocks a run.

``stream_query`` hands the rows over as they are read, a chunk at a time, so a caller that stops early
(``tealeaves query`` at its row or byte cap) never holds the whole result; ``run_query`` reads them all."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from warehouse.db import connect
from warehouse.errors import QueryError
from warehouse.snapshot import readable
from warehouse.sqlfiles import sql

DEFAULT_TIMEOUT = 60.0  # seconds; TEALEAVES_QUERY_TIMEOUT for `tealeaves query`
DEFAULT_MEMORY_LIMIT = "2GB"  # DuckDB's memory_limit; TEALEAVES_QUERY_MEMORY for `tealeaves query`
# About this much row data is turned into Python objects per fetch: a result of long strings comes a row
# or two at a time, one of small values a DuckDB vector (2,048 rows) at a time.
CHUNK_BYTES = 2**20
MAX_CHUNK_ROWS = 2048


@dataclass(frozen=True)
class QueryResult:
    """Column names and rows of one query."""

    columns: list[str]
    rows: list[tuple[Any, ...]]


@dataclass(frozen=True)
class QueryStream:
    """Column names of a running query; iterating reads its rows a chunk at a time, within its limits."""

    columns: list[str]
    cursor: duckdb.DuckDBPyConnection
    timeout: float
    memory_limit: str

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        size = 1
        while True:
            with _translated(self.timeout, self.memory_limit):
                chunk = self.cursor.fetchmany(size)
            if not chunk:
                return
            yield from chunk
            size = _next_chunk_rows(chunk)


def _next_chunk_rows(chunk: list[tuple[Any, ...]]) -> int:
    per_row = max(1, sum(_size(value) for row in chunk for value in row) // len(chunk))
    return max(1, min(MAX_CHUNK_ROWS, CHUNK_BYTES // per_row))


def _size(value: object) -> int:
    """A rough size of one value in bytes: the length of strings and blobs, and of what lists and maps hold."""
    if isinstance(value, str | bytes):
        return len(value)
    if isinstance(value, list | tuple):
        return 8 + sum(_size(item) for item in value)
    if isinstance(value, dict):
        return 8 + sum(_size(k) + _size(v) for k, v in value.items())
    return 8


def _sandbox(conn: duckdb.DuckDBPyConnection, memory_limit: str) -> None:
    conn.execute(f"SET memory_limit = '{memory_limit}'")  # a setting literal, not user input
    conn.execute("SET enable_external_access = false")
    conn.execute("SET lock_configuration = true")


@contextmanager
def _translated(timeout: float, memory_limit: str) -> Iterator[None]:
    """DuckDB's errors in this block as QueryErrors that say which limit or rule stopped the query."""
    try:
        yield
    except duckdb.InterruptException as exc:
        raise QueryError(f"query stopped after the {timeout:.0f} s time limit") from exc
    except duckdb.OutOfMemoryException as exc:
        raise QueryError(f"query stopped: it needs more than the {memory_limit} memory limit ({exc})") from exc
    except duckdb.PermissionException as exc:
        raise QueryError(
            f"refused: queries may not read or write files, attach databases or change settings ({exc})"
        ) from exc
    except duckdb.Error as exc:
        raise QueryError(str(exc)) from exc


@contextmanager
def stream_query(
    path: Path,
    text: str,
    *,
    params: list[Any] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
) -> Iterator[QueryStream]:
    """Run one user query like ``run_query``, its rows read as they are iterated; the time limit covers reading."""
    if not path.exists():
        raise QueryError(f"{path}: no warehouse here yet; run `tealeaves ingest` first or pass --db")
    conn = connect(readable(path), read_only=True, wait=5.0)
    timer = threading.Timer(timeout, conn.interrupt)
    try:
        with _translated(timeout, memory_limit):
            _sandbox(conn, memory_limit)
            timer.start()
            cursor = conn.execute(text, params or [])
        yield QueryStream([d[0] for d in cursor.description or []], cursor, timeout, memory_limit)
    finally:
        timer.cancel()
        conn.close()


def run_query(
    path: Path,
    text: str,
    *,
    params: list[Any] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
) -> QueryResult:
    """Run one user query against the warehouse's read-only snapshot, sandboxed."""
    with stream_query(path, text, params=params, timeout=timeout, memory_limit=memory_limit) as stream:
        with _translated(timeout, memory_limit):
            rows = stream.cursor.fetchall()
        return QueryResult(stream.columns, rows)


def named(path: Path, name: str, params: list[Any] | None = None) -> QueryResult:
    """Run one of the packaged read queries by its name (``health/recent_runs``: warehouse/sqlfiles.py)."""
    return run_query(path, sql(name), params=params)


def invariant_violations(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Run every check in warehouse/sql/checks/ (each must return zero rows); name -> rows returned."""
    from importlib import resources

    found = {}
    for entry in sorted((resources.files("warehouse") / "sql" / "checks").iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".sql"):
            rows = conn.execute(entry.read_text(encoding="utf-8")).fetchall()
            found[entry.name.removesuffix(".sql")] = len(rows)
    return found
