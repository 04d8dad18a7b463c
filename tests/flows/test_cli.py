"""The `tealeaves` command: exit codes, messages, JSON output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from flows.cli import app
from tests.conftest import write_sources
from tests.fixture_server import FixtureServer

runner = CliRunner()


def test_bad_config_exits_2_naming_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "sources.toml"
    bad.write_text('[[source]]\nname = "a"\n', encoding="utf-8")
    result = runner.invoke(app, ["ingest", "--sources", str(bad), "--db", str(tmp_path / "w.duckdb")])
    assert result.exit_code == 2
    assert "line 1: source 'a' has no feed" in result.stderr
    assert not (tmp_path / "w.duckdb").exists()


def test_unknown_source_exits_2(tmp_path: Path, site: FixtureServer) -> None:
    sources = write_sources(tmp_path / "sources.toml", site)
    result = runner.invoke(app, ["ingest", "--sources", str(sources), "--source", "nope"])
    assert result.exit_code == 2
    assert "no source named 'nope'" in result.stderr


def test_sources_list_json() -> None:
    result = runner.invoke(app, ["sources", "list", "--json"])
    assert result.exit_code == 0
    assert "nakedcapitalism" in {row["name"] for row in json.loads(result.stdout)}


def test_query_on_missing_warehouse_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["query", "SELECT 1", "--db", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 2
    assert "run `tealeaves ingest` first" in result.stderr


def test_help_shows_an_example_for_every_command() -> None:
    for command in (["ingest"], ["query"], ["status"], ["sources", "list"]):
        result = runner.invoke(app, [*command, "--help"])
        assert result.exit_code == 0, command
        assert "Example: tealeaves" in result.stdout, command


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_harness")
def test_ingest_then_query_and_status(tmp_path: Path, site: FixtureServer) -> None:
    sources = write_sources(tmp_path / "sources.toml", site)
    db = tmp_path / "w.duckdb"
    result = runner.invoke(app, ["ingest", "--sources", str(sources), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "failed" in result.stdout
    assert "broken" in result.stdout
    assert "not a feed" in result.stdout
    result = runner.invoke(
        app, ["query", "SELECT origin, count(*) AS n FROM documents GROUP BY ALL ORDER BY 1", "--db", str(db), "--json"]
    )
    assert result.exit_code == 0
    assert json.loads(result.stdout) == [
        {"origin": "feed", "n": 4},
        {"origin": "seed", "n": 5},
    ]
    result = runner.invoke(app, ["status", "--db", str(db), "--json"])
    health = {row["source"]: row for row in json.loads(result.stdout)["sources"]}
    assert health["dead"]["status"] == "failed"
    assert health["dead"]["consecutive_failures"] == 1
    assert health["capital"]["status"] == "ok"
    assert health["capital"]["documents"] == 2


# A child that runs the CLI, then says whether Prefect was ever imported.
_BY_HAND = """
import sys
from flows.cli import main
sys.argv = ["tealeaves", *sys.argv[1:]]
try:
    main()
except SystemExit as done:
    print("exit", done.code, "prefect imported:", "prefect" in sys.modules)
"""


def test_without_a_prefect_server_ingest_runs_the_same_pipeline_without_prefect(
    tmp_path: Path, site: FixtureServer
) -> None:
    """Nothing to start: no temporary Prefect server (20-30 s on this machine), the run recorded in the
    warehouse as ever; with --prefect the same command runs the flow (tested with a server elsewhere)."""
    sources = write_sources(tmp_path / "sources.toml", site)
    db = tmp_path / "w.duckdb"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env |= {"PREFECT_HOME": str(tmp_path / "prefect"), "COLUMNS": "200"}
    proc = subprocess.run(
        [sys.executable, "-c", _BY_HAND, "ingest", "--sources", str(sources), "--db", str(db)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert "exit 0 prefect imported: False" in proc.stdout, proc.stderr
    assert "4 new documents (5 seed)" in proc.stdout
    with duckdb.connect(str(db), read_only=True) as conn:
        assert conn.execute("SELECT status, documents_new FROM runs").fetchall() == [("completed", 4)]
        assert conn.execute("SELECT count(*) > 0 FROM mentions").fetchone() == (True,), "the analysis ran inline"


@pytest.mark.slow
def test_console_script_in_a_fresh_process_exits_0_when_sources_fail(tmp_path: Path, site: FixtureServer) -> None:
    """The `make run` path: a new process, no Prefect server configured, some sources broken."""
    sources = write_sources(tmp_path / "sources.toml", site)
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect"), "COLUMNS": "200"}
    proc = subprocess.run(
        [sys.executable, "-m", "flows", "ingest", "--sources", str(sources), "--db", str(tmp_path / "w.duckdb")],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "4 new documents (5 seed)" in proc.stdout
    assert "dead" in proc.stdout
    assert "broken" in proc.stdout


def test_sources_resume_refuses_a_name_nobody_knows(tmp_path: Path, site: FixtureServer) -> None:
    from warehouse import state
    from warehouse.db import open_writer

    sources = write_sources(tmp_path / "sources.toml", site)
    db = tmp_path / "w.duckdb"
    with open_writer(db) as conn:
        state.register_sources(conn, [("retired", "http://127.0.0.1:1/feed", None)])
    result = runner.invoke(app, ["sources", "resume", "nope", "--sources", str(sources), "--db", str(db)])
    assert result.exit_code == 2, result.output
    assert "no source named 'nope'" in result.stderr
    assert "capital" in result.stderr
    assert "retired" in result.stderr  # the known ones, from both places
    for known in ("capital", "retired"):  # in sources.toml only / in the warehouse only
        result = runner.invoke(app, ["sources", "resume", known, "--sources", str(sources), "--db", str(db)])
        assert result.exit_code == 0, result.output
        assert f"{known}: will be polled on the next run" in result.stdout
