"""The analyze flow, run for real by Prefect on a real warehouse."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.analyze import analyze
from tests.analysis_corpus import land_seed_corpus
from warehouse.db import open_writer


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_harness")
def test_the_flow_refreshes_once_then_finds_nothing_new(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with open_writer(db) as conn:
        land_seed_corpus(conn)
    first = analyze(db=str(db))
    assert first["documents"] == 5 and first["nothing_new"] is False
    second = analyze(db=str(db))
    assert second["nothing_new"] is True and second["summary"].startswith("nothing new")
