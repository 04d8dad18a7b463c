"""Ad-hoc SQL for people: read-only, no file or network access, bounded in time and memory. Queries
read the snapshot beside the warehouse (warehouse/snapshot.py), so a long one never blocks a run."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from warehouse.db import connect
from warehouse.errors import QueryError
from warehouse.snapshot import readable
from warehouse.sqlfiles import sql


@dataclass(frozen=True)
class QueryResult:
    """Column names and rows of one query."""

    columns: list[str]
    rows: list[tuple[Any, ...]]


def _sandbox(conn: duckdb.DuckDBPyConnection, memory_limit: str) -> None:
    conn.execute(f"SET memory_limit = '{memory_limit}'")  # a setting literal, not user input
    conn.execute("SET enable_external_access = false")
    conn.execute("SET lock_configuration = true")


def run_query(
    path: Path, text: str, *, params: list[Any] | None = None, timeout: float = 60.0, memory_limit: str = "2GB"
) -> QueryResult:
    """Run one user query against the warehouse's read-only snapshot, sandboxed."""
    if not path.exists():
        raise QueryError(f"{path}: no warehouse here yet; run `tealeaves ingest` first or pass --db")
    conn = connect(readable(path), read_only=True, wait=5.0)
    timer = threading.Timer(timeout, conn.interrupt)
    try:
        _sandbox(conn, memory_limit)
        timer.start()
        cursor = conn.execute(text, params or [])
        columns = [d[0] for d in cursor.description or []]
        rows = cursor.fetchall()
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
    finally:
        timer.cancel()
        conn.close()
    return QueryResult(columns, rows)


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
