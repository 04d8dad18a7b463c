"""`tealeaves analyze | trends | search | new` on a real warehouse: the seeds plus documents landed as
ingest lands them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from tests.analysis_corpus import (
    RUSSIAN_RIYADH,
    SEED_000,
    SEED_003,
    feed_doc,
    land,
    land_seed_corpus,
    novel,
    republished_000,
)
from warehouse.db import open_writer

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "w.duckdb"
    with open_writer(path) as conn:
        land_seed_corpus(conn)
        land(
            conn,
            "run-1",
            [feed_doc("vesti", "riyadh", RUSSIAN_RIYADH, published="2025-02-19", language="ru"), republished_000()],
        )
    return path


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr


def analysed(db: Path) -> Path:
    code, out, _ = invoke("analyze", "--db", str(db))
    assert code == 0, out
    return db


def test_analyze_processes_the_new_documents_then_nothing(db: Path) -> None:
    code, out, _ = invoke("analyze", "--db", str(db))
    assert code == 0
    assert out.startswith("analysed 7 new documents (125 comments)")
    code, out, _ = invoke("analyze", "--db", str(db), "--json")
    report = json.loads(out)
    assert code == 0
    assert report["nothing_new"] is True
    assert report["documents"] == 0
    assert report["summary"] == "nothing new since the last refresh (7 documents analysed)"


def test_trends_prints_a_table_and_writes_a_chart(db: Path, tmp_path: Path) -> None:
    chart = tmp_path / "chart.html"
    code, out, _ = invoke(
        "trends", "Witkoff", "Zelenskyy", "kiev", "--by", "day", "--db", str(analysed(db)), "--chart", str(chart)
    )
    assert code == 0, out
    assert "Witkoff" in out
    assert "Zelensky" in out
    assert "Kyiv" in out
    assert f"chart: {chart}" in out
    page = chart.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "<svg" in page
    assert "Zelensky" in page


def test_trends_json_counts_per_period(db: Path) -> None:
    code, out, _ = invoke(
        "trends", "Riyadh", "--by", "month", "--since", "2025-02-01", "--no-chart", "--db", str(analysed(db)), "--json"
    )
    data = json.loads(out)
    assert code == 0
    assert data["chart"] is None
    assert data["period"] == "month"
    (riyadh,) = data["entities"]
    by_month = {p["period"]: (p["documents"], p["mentions"], p["outlets"]) for p in riyadh["periods"]}
    assert by_month == {"2025-02-01": (3, 5, 2), "2025-03-01": (2, 7, 2)}


def test_trends_without_names_shows_the_most_mentioned(db: Path, tmp_path: Path) -> None:
    code, out, _ = invoke(
        "trends", "--top", "3", "--db", str(analysed(db)), "--json", "--chart", str(tmp_path / "t.html")
    )
    assert code == 0
    assert [e["entity"] for e in json.loads(out)["entities"]] == ["Ukraine", "Trump", "Russia"]


def test_trends_of_an_unknown_entity_is_a_clear_error(db: Path) -> None:
    code, _, err = invoke("trends", "Napoleon", "--db", str(analysed(db)))
    assert code == 2
    assert "not in the gazetteer: Napoleon" in err


def test_search_ranks_documents_and_comments(db: Path) -> None:
    code, out, _ = invoke("search", "ceasefire Jeddah", "--db", str(analysed(db)), "--json")
    data = json.loads(out)
    assert code == 0
    assert data["stems"] == ["ceasefir", "jeddah"]
    assert data["hits"][0]["doc_id"] == SEED_003
    code, out, _ = invoke("search", "weathervane", "--comments", "--db", str(db))
    assert code == 0
    assert "Carolinian" in out
    assert "weathervane" in out
    code, out, _ = invoke("search", "the of and", "--db", str(db))
    assert code == 2


def test_new_remembers_the_last_look(db: Path) -> None:
    analysed(db)
    code, out, _ = invoke("new", "--db", str(db), "--json")
    first = json.loads(out)
    assert code == 0
    assert first["documents"] == 7
    assert first["comments"] == 125
    assert first["items"][0]["doc_id"] == SEED_003  # the busiest thread first
    code, out, _ = invoke("new", "--db", str(db))
    assert code == 0
    assert out.startswith("nothing new since")
    with open_writer(db) as conn:
        (fresh,) = land(conn, "run-2", [novel("after-jeddah", "Witkoff and Dmitriev met again after Jeddah.")])
    code, out, _ = invoke("new", "--db", str(db), "--peek", "--json")
    data = json.loads(out)
    assert data["documents"] == 1
    assert data["items"][0]["doc_id"] == fresh
    assert data["not_analysed"] == 1
    code, out, _ = invoke("new", "--db", str(db))
    assert code == 0
    assert "1 documents" in out
    assert "not analysed yet" in out
    code, out, _ = invoke("new", "--db", str(db))
    assert out.startswith("nothing new since")


def test_new_since_a_run_or_a_date(db: Path) -> None:
    code, out, _ = invoke("new", "--since", "run-1", "--peek", "--db", str(db), "--json")
    assert code == 0
    assert json.loads(out)["documents"] == 2
    code, out, _ = invoke("new", "--since", "2000-01-01", "--peek", "--db", str(db), "--json")
    assert json.loads(out)["documents"] == 7
    code, _, err = invoke("new", "--since", "yesterday-ish", "--db", str(db))
    assert code == 2
    assert "ingest run id or a date" in err


def test_commands_before_any_analysis_say_what_to_do(db: Path) -> None:
    code, out, _ = invoke("trends", "--db", str(db))
    assert code == 0
    assert "run `tealeaves analyze`" in out


def test_missing_warehouse_is_a_clear_error(tmp_path: Path) -> None:
    for command in ("analyze", "trends", "search x", "new"):
        code, _, err = invoke(*command.split(), "--db", str(tmp_path / "none.duckdb"))
        assert code == 2, command
        assert "run `tealeaves ingest` first" in err, command
    assert not (tmp_path / "none.duckdb").exists()


def test_help_shows_an_example_for_every_analysis_command() -> None:
    for command in ("analyze", "trends", "search", "new"):
        code, out, _ = invoke(command, "--help")
        assert code == 0, command
        assert "Example: tealeaves" in out, command


def test_the_repost_of_a_seed_is_reported_as_its_copy(db: Path) -> None:
    code, out, _ = invoke(
        "query",
        "SELECT cluster_id, count(*) AS members FROM duplicate_clusters GROUP BY ALL",
        "--db",
        str(analysed(db)),
        "--json",
    )
    assert code == 0
    assert json.loads(out) == [{"cluster_id": SEED_000, "members": 2}]


def test_a_gazetteer_that_is_not_utf8_is_a_clear_error(db: Path, tmp_path: Path, monkeypatch) -> None:
    bad = tmp_path / "gazetteer.toml"
    bad.write_bytes('[[entity]]\nname = "Lavrov"\nkind = "person"\naliases = ["Лавров"]\n'.encode("cp1251"))
    monkeypatch.setenv("TEALEAVES_GAZETTEER", str(bad))
    code, _, err = invoke("analyze", "--db", str(db))
    assert code == 2
    assert "gazetteer.toml, line 4" in err
    assert "not UTF-8" in err
