"""The analyze flow, run for real by Prefect on a real warehouse."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from flows.analyze import analyze
from tests.analysis_corpus import land_seed_corpus
from warehouse.db import open_writer, snapshot_path


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_harness")
def test_the_flow_refreshes_once_then_finds_nothing_new(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with open_writer(db) as conn:
        land_seed_corpus(conn)
    first = analyze(db=str(db))
    assert first["documents"] == 5
    assert first["nothing_new"] is False
    second = analyze(db=str(db))
    assert second["nothing_new"] is True
    assert second["summary"].startswith("nothing new")


@pytest.mark.usefixtures("prefect_harness")
def test_the_snapshot_readers_open_shows_the_analysis(tmp_path: Path) -> None:
    """Ad-hoc SQL goes to the snapshot; a refresh that only the analysis made must reach it too."""
    db = tmp_path / "w.duckdb"
    with open_writer(db) as conn:
        land_seed_corpus(conn)
    analyze(db=str(db))
    with (
        duckdb.connect(str(db), read_only=True) as warehouse,
        duckdb.connect(str(snapshot_path(db)), read_only=True) as snap,
    ):
        query = "SELECT count(*), sum(count) FROM mentions"
        expected = warehouse.execute(query).fetchone()
        assert expected is not None
        assert expected[0] > 0
        assert snap.execute(query).fetchone() == expected
