"""The data invariants, asserted: every check in warehouse/sql/checks/ ran and returned no row."""

from __future__ import annotations

from pathlib import Path

import duckdb

from warehouse.query import invariant_violations

CHECKS = Path(__file__).resolve().parents[1] / "warehouse" / "sql" / "checks"


def assert_invariants_hold(conn: duckdb.DuckDBPyConnection) -> None:
    """Fail naming each check that returned rows, or that did not run at all."""
    found = invariant_violations(conn)
    expected = {path.stem for path in CHECKS.glob("*.sql")}
    assert expected, f"no invariant checks found in {CHECKS}"
    assert set(found) == expected, f"checks that did not run: {sorted(expected - set(found))}"
    assert {name: rows for name, rows in found.items() if rows} == {}
