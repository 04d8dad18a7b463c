"""warehouse.db: opening the warehouse, its row groups, and DuckDB's client without pandas."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest

import warehouse.db
from warehouse.errors import WarehouseBusy

REPO = Path(__file__).resolve().parents[2]


# Run in a child interpreter whose only packages are duckdb, filelock and the project: pandas is really
# absent there, whether or not this environment has it, so the test never has a reason to skip.
_CHILD = """
import sys

class Spy:
    looked_for = []

    def find_spec(self, name, path=None, target=None):
        self.looked_for.append(name)

import warehouse.db  # records pandas as absent
import duckdb

spy = Spy()
sys.meta_path.insert(0, spy)
rows = duckdb.connect().execute("SELECT unnest(?::VARCHAR[]), ?", [["a", "b", "c"], "x"]).fetchall()
sys.meta_path.remove(spy)
print(rows == [("a", "x"), ("b", "x"), ("c", "x")], "pandas" in spy.looked_for)
"""


def test_binding_parameters_does_not_search_for_pandas(tmp_path: Any) -> None:
    packages = tmp_path / "packages"
    packages.mkdir()
    for name in ("duckdb", "filelock"):
        spec = importlib.util.find_spec(name)
        assert spec is not None
        assert spec.origin is not None
        (packages / name).symlink_to(Path(spec.origin).parent)
    site = Path(duckdb.__file__).parent.parent
    for extra in [*site.glob("_duckdb*.so"), *site.glob("duckdb-*.dist-info"), *site.glob("filelock-*.dist-info")]:
        (packages / extra.name).symlink_to(extra)
    env = {"PYTHONPATH": os.pathsep.join([str(packages), str(REPO)]), "PATH": os.environ.get("PATH", "")}
    child = subprocess.run(
        [sys.executable, "-S", "-c", _CHILD], capture_output=True, text=True, env=env, check=False, timeout=60
    )
    assert child.returncode == 0, child.stderr
    assert child.stdout.split() == ["True", "False"], "binding a parameter looked for pandas"


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
