"""warehouse.db: opening the warehouse, its row groups, and DuckDB's client without pandas."""

from __future__ import annotations

import importlib.util
import sys
from typing import Any

import duckdb
import pytest

import warehouse.db  # importing it records pandas as absent
from warehouse.errors import WarehouseBusy


class _Spy:
    def __init__(self) -> None:
        self.looked_for: list[str] = []

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        self.looked_for.append(name)


def test_binding_parameters_does_not_search_for_pandas() -> None:
    if sys.modules.get("pandas") is not None or (
        "pandas" not in sys.modules and importlib.util.find_spec("pandas") is not None
    ):
        pytest.skip("pandas is installed here; DuckDB then finds it at once")
    spy = _Spy()
    sys.meta_path.insert(0, spy)
    try:
        conn = duckdb.connect()
        rows = conn.execute("SELECT unnest(?::VARCHAR[]), ?", [["a", "b", "c"], "x"]).fetchall()
    finally:
        sys.meta_path.remove(spy)
    assert rows == [("a", "x"), ("b", "x"), ("c", "x")]
    assert "pandas" not in spy.looked_for


def test_release_memory_leaves_open_warehouses_working(tmp_path: Any) -> None:
    conn = duckdb.connect(str(tmp_path / "w.duckdb"))
    conn.execute("CREATE TABLE t AS SELECT range AS n FROM range(100000)")
    conn.execute("INSERT INTO t SELECT 1")
    warehouse.db.release_memory(conn)
    assert conn.execute("SELECT sum(n) FROM t").fetchone() == (4999950001,)


def test_a_writer_writes_small_row_groups(tmp_path: Any) -> None:
    # A checkpoint rewrites the partly filled last row group of a table; small groups keep that bounded
    # instead of growing with the warehouse.
    db = tmp_path / "w.duckdb"
    with warehouse.db.open_writer(db) as conn:
        conn.execute("CREATE TABLE t (n INTEGER, page BLOB)")
        for start in range(0, 5000, 500):  # landed in batches, as the flow does
            conn.execute("INSERT INTO t SELECT range, repeat('x', 100)::BLOB FROM range(?, ?)", [start, start + 500])
        conn.execute("CHECKPOINT")
    reader = duckdb.connect(str(db), read_only=True)  # any client opens it as usual
    groups = reader.execute("SELECT count(DISTINCT row_group_id) FROM pragma_storage_info('t')").fetchone()
    assert reader.execute("SELECT count(*), sum(n) FROM t").fetchone() == (5000, 12497500)
    assert groups == (-(-5000 // warehouse.db.ROW_GROUP_ROWS),)


def test_a_second_writer_in_the_same_process_is_told_the_warehouse_is_busy(tmp_path: Any) -> None:
    db = tmp_path / "w.duckdb"
    with warehouse.db.open_writer(db), pytest.raises(WarehouseBusy, match="open in another process"):
        warehouse.db.connect(db, wait=0.3)
