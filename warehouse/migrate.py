"""Numbered, append-only SQL migrations, each applied in one transaction with its record."""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import duckdb

from warehouse.errors import MigrationError

MIGRATIONS = Path(str(resources.files("warehouse") / "sql" / "migrations"))
_FILE = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def available() -> list[tuple[int, Path]]:
    """(version, path) of every migration file, in order."""
    found = []
    for path in sorted(MIGRATIONS.iterdir()):
        match = _FILE.match(path.name)
        if match:
            found.append((int(match.group(1)), path))
    return found


def applied(conn: duckdb.DuckDBPyConnection) -> set[int]:
    """Versions already applied to this warehouse."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations "
        "(version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
    )
    return {row[0] for row in conn.execute("SELECT version FROM schema_migrations").fetchall()}


def migrate(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply what is missing; returns the names applied. A file newer than this code is refused."""
    done = applied(conn)
    files = available()
    newest = max((v for v, _ in files), default=0)
    if done and max(done) > newest:
        raise MigrationError(
            f"the warehouse is at schema version {max(done)}, newer than this tealeaves ({newest}); upgrade tealeaves"
        )
    names = []
    for version, path in files:
        if version in done:
            continue
        conn.execute("BEGIN TRANSACTION")
        try:
            conn.execute(path.read_text(encoding="utf-8"))
            conn.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", [version, path.name, datetime.now(UTC)])
            conn.execute("COMMIT")
        except duckdb.Error as exc:
            # A failed COMMIT has already rolled back; a failing ROLLBACK must not hide the real error.
            with contextlib.suppress(duckdb.Error):
                conn.execute("ROLLBACK")
            raise MigrationError(f"migration {path.name} failed and was rolled back: {exc}") from exc
        names.append(path.name)
    return names
