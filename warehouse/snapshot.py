"""A read-only copy of the warehouse for people and their tools, so no ad-hoc session ever blocks a run.

DuckDB lets one process write a file or many read it, and any open connection in another process keeps
the writer out. Ad-hoc SQL therefore goes to ``<db stem>.snapshot.duckdb`` beside the warehouse: the
ingest refreshes it at the end of each run (CHECKPOINT, copy, verify, atomic rename), and a reader that
holds the old snapshot open keeps reading the old file undisturbed while the new one takes its name.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
from filelock import FileLock, Timeout

from warehouse.db import connect, lock_path, snapshot_path
from warehouse.errors import SnapshotError, WarehouseBusy

__all__ = ["is_stale", "readable", "refresh_snapshot", "snapshot_path"]


def refresh_snapshot(conn: duckdb.DuckDBPyConnection, db: Path) -> Path:
    """Checkpoint the writer connection ``conn`` on ``db`` and replace the snapshot with a verified copy.

    Call it with the writer connection still open and nothing else writing (the end of a run). A failure
    (disk full, say) leaves the previous snapshot in place and raises SnapshotError; the warehouse itself
    is untouched either way."""
    target = snapshot_path(db)
    for leftover in target.parent.glob(f"{target.name}.*.partial"):  # from a refresh that was killed
        leftover.unlink(missing_ok=True)
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    try:
        conn.execute("CHECKPOINT")  # everything committed is now in the main file; the WAL is empty
        shutil.copyfile(db, partial)
        with open(partial, "rb") as copied:
            os.fsync(copied.fileno())
        _verify(partial)
        os.replace(partial, target)  # atomic: readers see the old file or the new one, never half of one
        _fsync_directory(target.parent)
    except (OSError, duckdb.Error) as exc:
        partial.unlink(missing_ok=True)
        raise SnapshotError(f"could not refresh the snapshot {target} (the previous one is kept): {exc}") from exc
    return target


def _verify(path: Path) -> None:
    check = duckdb.connect(str(path), read_only=True)
    try:
        check.execute("SELECT count(*) FROM schema_migrations").fetchone()
    finally:
        check.close()


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def is_stale(db: Path) -> bool:
    """True when the warehouse (or its write-ahead log) changed after the snapshot was taken."""
    target = snapshot_path(db)
    if not target.exists():
        return True
    taken = target.stat().st_mtime_ns
    wal = db.with_name(db.name + ".wal")
    return db.stat().st_mtime_ns > taken or (wal.exists() and wal.stat().st_size > 0 and wal.stat().st_mtime_ns > taken)


def readable(db: Path) -> Path:
    """The file ad-hoc queries should open: the snapshot, refreshed first when it is stale and no run
    holds the warehouse (a run in progress refreshes it itself when it ends).

    Raises WarehouseBusy only when there is no snapshot yet and the warehouse cannot be read now."""
    target = snapshot_path(db)
    if not is_stale(db):
        return target
    lock = FileLock(str(lock_path(db)))
    try:
        lock.acquire(timeout=0)
    except Timeout as exc:
        if target.exists():
            return target  # a run is writing; its own refresh will bring the snapshot up to date
        raise WarehouseBusy(
            f"a tealeaves run is writing {db} and there is no snapshot to read yet; try again when it ends"
        ) from exc
    try:
        writer = connect(db, wait=0)
        try:
            refresh_snapshot(writer, db)
        finally:
            writer.close()
    except (WarehouseBusy, SnapshotError):
        if not target.exists():
            raise  # nothing older to fall back on
    finally:
        lock.release()
    return target
