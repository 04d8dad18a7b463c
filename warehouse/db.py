"""Opening the warehouse: one writer at a time (a file lock first, DuckDB's own lock second)."""

from __future__ import annotations

import importlib.util
import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from filelock import FileLock, Timeout

from warehouse.errors import SnapshotError, WarehouseBusy
from warehouse.migrate import migrate


def _known_absent(module: str) -> None:
    """Record ``module`` as not installed, so that ``import module`` fails at once.

    DuckDB's Python client tries ``import pandas`` twice for every parameter it binds. Without pandas
    (tealeaves does not use it) each try searches sys.path: a stat per entry, each releasing the GIL, and
    with the fetching threads busy every stat waits for the GIL again; bench/RESULTS.md has what landing lost to
    that. Nothing changes when pandas is installed."""
    if module not in sys.modules and importlib.util.find_spec(module) is None:
        sys.modules[module] = None  # type: ignore[assignment]  # Python's own marker for "import fails"


_known_absent("pandas")
ROW_GROUP_ROWS = 2048  # rows per row group written by tealeaves (see _open)
logger = logging.getLogger(__name__)


def release_memory(conn: duckdb.DuckDBPyConnection) -> None:
    """Checkpoint ``conn`` and return the memory DuckDB has freed to the operating system.

    Between checkpoints DuckDB keeps what it has written in memory, and its allocator (jemalloc on Linux
    x86) keeps what it frees for reuse, giving it back only when a database instance closes: a writer
    that lands page after page grows by about what it wrote. Closing a throwaway in-memory instance
    flushes the allocator for the whole process (cheap: measured, see bench/RESULTS.md)."""
    conn.execute("CHECKPOINT")
    duckdb.connect(":memory:").close()


def _is_lock_conflict(exc: duckdb.Error) -> bool:
    # Another process: "Could not set lock on file"; this process: "Unique file handle conflict".
    message = str(exc).lower()
    return "lock" in message or "file handle conflict" in message


def lock_path(path: Path) -> Path:
    """The file lock every tealeaves writer takes before it opens ``path``."""
    return Path(str(path) + ".lock")


def snapshot_path(path: Path) -> Path:
    """The read-only snapshot beside ``path`` (``data/tealeaves.duckdb`` → ``data/tealeaves.snapshot.duckdb``)."""
    return path.with_name(f"{path.stem}.snapshot{path.suffix or '.duckdb'}")


def _open(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    """A read-only connection, or a writable one whose new row groups hold ROW_GROUP_ROWS rows.

    A checkpoint rewrites the last, partly filled row group of every table it appends to. With DuckDB's
    default of 122,880 rows that group holds every raw page of the first hundred thousand, so each
    checkpoint rewrote all of them, and its cost grew with the warehouse (and so did the memory it needed);
    with 2,048 rows it stays small and flat (measured: see bench/RESULTS.md).
    The row group size is an ATTACH option only; any reader opens the file as usual."""
    if read_only:
        return duckdb.connect(str(path), read_only=True)
    conn = duckdb.connect(":memory:")
    try:
        quoted = str(path).replace("'", "''")
        conn.execute(f"ATTACH '{quoted}' AS warehouse (ROW_GROUP_SIZE {ROW_GROUP_ROWS})")
        conn.execute("USE warehouse")
    except BaseException:
        conn.close()
        raise
    return conn


def connect(path: Path, *, read_only: bool = False, wait: float = 0.0) -> duckdb.DuckDBPyConnection:
    """Open the DuckDB file, waiting up to ``wait`` seconds while another process holds it."""
    deadline = time.monotonic() + wait
    while True:
        try:
            return _open(path, read_only)
        except (duckdb.IOException, duckdb.BinderException) as exc:
            if not _is_lock_conflict(exc):
                raise
            if time.monotonic() >= deadline:
                raise WarehouseBusy(
                    f"{path} is open in another process (waited {wait:g} s: {exc}). Close other DuckDB "
                    f"sessions on this file; for ad-hoc SQL open the read-only snapshot {snapshot_path(path)} "
                    "instead"
                ) from exc
            time.sleep(0.25)


@contextmanager
def open_writer(path: Path, *, wait: float = 30.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """The single writer connection, migrated, held under ``<db>.lock`` for as long as it is open.

    When the block ends without an error, the read-only snapshot beside the warehouse is refreshed if the
    warehouse changed (``warehouse.snapshot``): every writer leaves what ad-hoc readers open up to date. A
    snapshot that cannot be refreshed (a full disk) is logged and the previous one kept."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(lock_path(path)))
    started = time.monotonic()
    try:
        lock.acquire(timeout=wait)
    except Timeout as exc:
        raise WarehouseBusy(
            f"another tealeaves run is writing {path} (waited {wait:.0f} s for {path}.lock); "
            "nothing was fetched — try again when it has finished"
        ) from exc
    try:
        conn = connect(path, wait=max(0.0, wait - (time.monotonic() - started)))
        try:
            migrate(conn)
            yield conn
            _refresh_snapshot(conn, path)
        finally:
            conn.close()
    finally:
        lock.release()


def _refresh_snapshot(conn: duckdb.DuckDBPyConnection, path: Path) -> None:
    from warehouse import snapshot  # it opens files with this module's connect

    try:
        if snapshot.is_stale(path):
            snapshot.refresh_snapshot(conn, path)
    except SnapshotError as exc:
        logger.warning("%s", exc)
