"""Runs, sources and per-source polling state: what the flow reads before and writes after a run."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb

from warehouse.sqlfiles import sql


@dataclass(frozen=True)
class SourceState:
    """What the warehouse remembers of a source between runs."""

    etag: str | None = None
    last_modified: str | None = None
    last_status: str | None = None
    last_success_at: datetime | None = None
    consecutive_failures: int = 0


def register_sources(conn: duckdb.DuckDBPyConnection, sources: Sequence[tuple[str, str | None, str | None]]) -> None:
    """Upsert (name, feed_url, site_url) rows."""
    now = datetime.now(UTC)
    if sources:
        conn.executemany(sql("load/upsert_source"), [[n, f, s, now] for n, f, s in sources])


def source_state(conn: duckdb.DuckDBPyConnection, source: str) -> SourceState:
    """The remembered state of one source (defaults when it was never polled)."""
    row = conn.execute(sql("read/source_state"), [source]).fetchone()
    if row is None:
        return SourceState()
    return SourceState(*row)


def start_run(conn: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """Record that a run began."""
    conn.execute(sql("load/start_run"), [run_id, datetime.now(UTC)])


def finish_run(
    conn: duckdb.DuckDBPyConnection,
    run_id: str,
    *,
    sources_ok: int,
    sources_failed: int,
    documents_new: int,
    status: str = "completed",
) -> None:
    """Record a run's end and its counts."""
    conn.execute(sql("load/finish_run"), [datetime.now(UTC), sources_ok, sources_failed, documents_new, status, run_id])


def unseen(conn: duckdb.DuckDBPyConnection, source: str, keys_and_urls: Sequence[tuple[str, str | None]]) -> set[str]:
    """The entry keys among ``(entry_key, canonical_url)`` pairs that are neither a known entry of this
    source nor a URL already stored (from any source)."""
    keys = [k for k, _ in keys_and_urls]
    urls = [u for _, u in keys_and_urls if u]
    known_keys = (
        {r[0] for r in conn.execute(sql("read/existing_entry_keys"), [source, keys]).fetchall()} if keys else set()
    )
    known_urls = {r[0] for r in conn.execute(sql("read/existing_urls"), [urls]).fetchall()} if urls else set()
    return {k for k, u in keys_and_urls if k not in known_keys and (u is None or u not in known_urls)}
