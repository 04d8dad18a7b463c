"""warehouse.db: DuckDB's client must not search sys.path for pandas on every bound parameter."""

from __future__ import annotations

import importlib.util
import sys
from typing import Any

import duckdb
import pytest

import warehouse.db  # importing it records pandas as absent


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
