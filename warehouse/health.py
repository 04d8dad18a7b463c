"""Per-source health and a run's failures, as plain rows for reports."""

from __future__ import annotations

from typing import Any

import duckdb

from warehouse.sqlfiles import sql


def _dicts(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    columns = [d[0] for d in cursor.description or []]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def source_health(conn: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """One row per source: status ('paused' for one that kept failing), last attempt and success,
    failures in a row, next poll and why, documents stored."""
    return _dicts(conn.execute(sql("health/source_status")))


def run_failures(conn: duckdb.DuckDBPyConnection, run_id: str, limit: int = 500) -> list[dict[str, Any]]:
    """The failures recorded by one run, oldest first."""
    return _dicts(conn.execute(sql("health/run_failures"), [run_id, limit]))
