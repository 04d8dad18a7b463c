"""One writer, many readers, in real separate processes: a second run waits a bounded time and says why,
ad-hoc SQL reads the snapshot and never blocks a run."""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import pytest

from tests.hardening.processes import Worker, run_worker
from tests.hardening.worker import DOCS_PER_BATCH, batch, prepare
from tests.invariants import assert_invariants_hold
from warehouse import load
from warehouse.db import open_writer, snapshot_path
from warehouse.errors import QueryError, WarehouseBusy
from warehouse.query import run_query
from warehouse.snapshot import is_stale, readable, refresh_snapshot


def documents(path: Path) -> int:
    with duckdb.connect(str(path), read_only=True) as conn:
        row = conn.execute("SELECT count(*) FROM documents").fetchone()
    assert row is not None
    return int(row[0])


def test_a_second_run_waits_a_bounded_time_then_fails_clearly_and_loses_nothing(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    first = Worker("hold-writer", db)
    try:
        first.expect("holding")
        started = time.monotonic()
        code, _, err = run_worker("try-writer", db, "1.0", "2")
        waited = time.monotonic() - started
        assert code == 1
        assert "another tealeaves run is writing" in err
        assert "waited 1 s" in err
        assert "nothing was fetched" in err
        assert waited < 30  # bounded: the wait allowed plus a process start
        first.send()
        first.expect("done")
        assert first.finish()[0] == 0
    finally:
        first.kill()
    code, _, err = run_worker("try-writer", db, "5", "2")  # the refused run, tried again, does its work
    assert code == 0, err
    assert documents(db) == 3 * DOCS_PER_BATCH  # the first run's two batches and the retried run's one


def test_an_ad_hoc_session_on_the_warehouse_makes_the_writer_fail_clearly(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with open_writer(db) as conn:
        prepare(conn)
        load.land_batch(conn, "r", batch(0))
    reader = Worker("hold-reader", db)  # someone's `duckdb data/tealeaves.duckdb` left open
    try:
        reader.expect(str(DOCS_PER_BATCH))
        with pytest.raises(WarehouseBusy, match="open in another process") as info, open_writer(db, wait=1.0):
            pass
        assert str(snapshot_path(db)) in str(info.value)  # and the message says what to open instead
        reader.send()
        reader.expect(str(DOCS_PER_BATCH))
    finally:
        reader.kill()
    with open_writer(db, wait=5.0):
        pass  # free again once the session is closed


def test_a_long_session_on_the_snapshot_never_blocks_a_run(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with open_writer(db) as conn:
        prepare(conn)
        load.land_batch(conn, "r", batch(0))
        refresh_snapshot(conn, db)
    reader = Worker("hold-reader", snapshot_path(db))
    slow = Worker("slow-query", db, "60")  # `tealeaves query` with a query that runs for a minute
    try:
        reader.expect(str(DOCS_PER_BATCH))
        slow.expect("querying")
        time.sleep(0.5)  # the slow query is running on the snapshot by now
        for number in (1, 2):  # two runs, each ending with the snapshot refresh
            with open_writer(db, wait=10.0) as conn:
                prepare(conn)
                load.land_batch(conn, "r", batch(number))
                refresh_snapshot(conn, db)
        assert slow.proc.poll() is None, "the slow query was still running while both runs completed"
        reader.send()
        reader.expect(str(DOCS_PER_BATCH))  # the open session keeps reading the snapshot it opened
    finally:
        reader.kill()
        slow.kill()
    assert documents(snapshot_path(db)) == 3 * DOCS_PER_BATCH
    assert run_query(db, "SELECT count(*) FROM documents").rows == [(3 * DOCS_PER_BATCH,)]


def test_every_writer_leaves_the_snapshot_up_to_date(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with open_writer(db) as conn:
        prepare(conn)
        load.land_batch(conn, "r", batch(0))
    assert snapshot_path(db).exists()
    assert not is_stale(db)
    assert documents(snapshot_path(db)) == DOCS_PER_BATCH


def test_query_refreshes_a_stale_snapshot_and_sees_every_commit(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with open_writer(db) as conn:
        prepare(conn)
        load.land_batch(conn, "r", batch(0))
    assert run_query(db, "SELECT count(*) FROM documents").rows == [(DOCS_PER_BATCH,)]
    with duckdb.connect(str(db)) as other:  # a writer that does not refresh it (another client, a killed run)
        load.land_batch(other, "r", batch(1))
    assert is_stale(db)
    assert run_query(db, "SELECT count(*) FROM documents").rows == [(2 * DOCS_PER_BATCH,)]
    assert not is_stale(db)


def test_during_a_run_queries_read_the_last_snapshot(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with open_writer(db) as conn:
        prepare(conn)
        load.land_batch(conn, "r", batch(0))
        refresh_snapshot(conn, db)
    writer = Worker("hold-writer", db)  # a run in progress, holding the warehouse
    try:
        writer.expect("holding")
        assert readable(db) == snapshot_path(db)
        assert run_query(db, "SELECT count(*) FROM documents").rows == [(DOCS_PER_BATCH,)]
    finally:
        writer.kill()


def test_no_snapshot_and_a_run_in_progress_says_to_wait(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    writer = Worker("hold-writer", db)
    try:
        writer.expect("holding")
        with pytest.raises(WarehouseBusy, match="no snapshot to read yet"):
            run_query(db, "SELECT 1")
    finally:
        writer.kill()


def test_the_snapshot_is_a_faithful_copy(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with open_writer(db) as conn:
        prepare(conn)
        for number in range(3):
            load.land_batch(conn, "r", batch(number))
        target = refresh_snapshot(conn, db)
        tables = conn.execute(
            "SELECT table_name, estimated_size FROM duckdb_tables() WHERE database_name = current_database() ORDER BY 1"
        ).fetchall()
    with duckdb.connect(str(target), read_only=True) as copy:
        assert_invariants_hold(copy)
        copied = copy.execute(
            "SELECT table_name, estimated_size FROM duckdb_tables() WHERE database_name = current_database() ORDER BY 1"
        ).fetchall()
    assert copied == tables
    assert not list(tmp_path.glob("*.partial"))  # no half-copied file left behind


def test_query_on_a_missing_warehouse_is_refused_without_creating_one(tmp_path: Path) -> None:
    with pytest.raises(QueryError, match="no warehouse here yet"):
        run_query(tmp_path / "none.duckdb", "SELECT 1")
    assert list(tmp_path.iterdir()) == []
