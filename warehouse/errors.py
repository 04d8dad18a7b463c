"""Errors raised by warehouse/.

WarehouseError
├── WarehouseBusy       another process holds the warehouse (writer lock or DuckDB file lock)
├── MigrationError      a migration failed or the file is newer than this code
├── LandingError        a batch could not be written; it was rolled back whole
├── SnapshotError       the read-only snapshot could not be refreshed; the previous one is kept
├── QueryError          a user query was refused or failed (bad SQL, time/memory limit, forbidden)
├── AnalysisError       the analysis could not run (refresh failed, full-text-search extension missing)
└── SqlFileError        a packaged SQL file is missing or malformed, or lacks the statement asked for
"""

from __future__ import annotations


class WarehouseError(Exception):
    """Base of every error raised by warehouse/."""

    kind = "warehouse"


class WarehouseBusy(WarehouseError):
    """Raised when the writer lock or DuckDB's file lock is not free within the wait allowed."""

    kind = "warehouse_busy"


class MigrationError(WarehouseError):
    """Raised when the schema cannot be brought up to date."""

    kind = "migration"


class LandingError(WarehouseError):
    """Raised when a batch could not be written (disk full, constraint …); nothing of it was kept."""

    kind = "land_failed"


class SnapshotError(WarehouseError):
    """Raised when the read-only snapshot cannot be refreshed (disk full …); the previous one stays."""

    kind = "snapshot_failed"


class QueryError(WarehouseError):
    """Raised when an ad-hoc query is refused or fails; the message says why."""

    kind = "query"


class AnalysisError(WarehouseError):
    """Raised when the analysis cannot run: the refresh failed, or no full-text-search extension to load;
    nothing of the refresh is kept. (A malformed gazetteer is an extractors ConfigError.)"""

    kind = "analysis"


class SqlFileError(WarehouseError):
    """Raised when a file of warehouse/sql/ is missing or malformed, or has no statement of the name asked
    for: the install is incomplete or the code and its SQL disagree."""

    kind = "sql_file"
