"""The `tealeaves` command: exit codes, messages, JSON output."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner, Result

from flows.cli import app
from tests.conftest import write_sources
from tests.fixture_server import FixtureServer
from warehouse.db import open_writer

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


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    """An empty warehouse: the queries below read only what they generate."""
    path = tmp_path / "q.duckdb"
    with open_writer(path):
        pass
    return path


def _query(db: Path, sql: str, *args: str, **env: str) -> Result:
    return runner.invoke(app, ["query", sql, "--db", str(db), *args], env={f"TEALEAVES_{k}": v for k, v in env.items()})


def test_query_stops_at_the_row_cap_with_valid_json_and_says_so(warehouse: Path) -> None:
    result = _query(warehouse, "SELECT i FROM range(200) t(i)", "--json", QUERY_MAX_ROWS="50")
    assert result.exit_code == 3
    assert json.loads(result.stdout) == [{"i": i} for i in range(50)]
    assert "stopped after 50 rows (TEALEAVES_QUERY_MAX_ROWS; --limit lowers it): the query has more" in result.stderr


def test_query_limit_lowers_the_row_cap_but_never_raises_it(warehouse: Path) -> None:
    lowered = _query(warehouse, "SELECT i FROM range(200) t(i)", "--format", "jsonl", "--limit", "7")
    assert lowered.exit_code == 3
    assert [json.loads(line) for line in lowered.stdout.splitlines()] == [{"i": i} for i in range(7)]
    assert "stopped after 7 rows (--limit 7)" in lowered.stderr
    held = _query(warehouse, "SELECT i FROM range(200) t(i)", "--format", "csv", "--limit", "500", QUERY_MAX_ROWS="20")
    assert held.exit_code == 3
    assert list(csv.reader(io.StringIO(held.stdout))) == [["i"], *([str(i)] for i in range(20))]
    assert "stopped after 20 rows (TEALEAVES_QUERY_MAX_ROWS" in held.stderr


def test_query_row_cap_of_exactly_the_result_is_the_whole_result(warehouse: Path) -> None:
    result = _query(warehouse, "SELECT i FROM range(5) t(i)", "--json", "--limit", "5")
    assert result.exit_code == 0, result.stderr
    assert len(json.loads(result.stdout)) == 5
    assert result.stderr == ""


def test_query_stops_at_the_byte_cap_without_holding_the_result(warehouse: Path) -> None:
    """100 rows of 1 MB against a 3 MB cap: two whole rows are printed, and the rest is never read into Python."""
    tracemalloc.start()
    try:
        result = _query(
            warehouse, "SELECT repeat('x', 1000000) AS s FROM range(100)", "--json", QUERY_MAX_BYTES=str(3 * 10**6)
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.exit_code == 3
    assert json.loads(result.stdout) == [{"s": "x" * 1000000}] * 2
    assert "stopped after 2 rows, 2,000," in result.stderr
    assert "(TEALEAVES_QUERY_MAX_BYTES): the next row would pass that" in result.stderr
    assert peak < 40 * 2**20


def test_query_table_stops_at_the_row_cap(warehouse: Path) -> None:
    result = _query(warehouse, "SELECT 'row' || i AS label FROM range(30) t(i)", QUERY_MAX_ROWS="5")
    assert result.exit_code == 3
    assert [f"row{i}" in result.stdout for i in range(6)] == [True] * 5 + [False]
    assert "stopped after 5 rows" in result.stderr


def test_query_table_of_many_pages_prints_every_row(warehouse: Path) -> None:
    result = _query(warehouse, "SELECT 'r' || i || '.' AS label FROM range(2500) t(i)")
    assert result.exit_code == 0, result.stderr
    assert all(f"r{i}." in result.stdout for i in range(2500))


def test_query_under_the_caps_prints_json_as_before(warehouse: Path) -> None:
    sql = "SELECT i, DATE '2024-05-01' + i::INT AS day, 'né [/x]' AS s, NULL AS n, [1, 2] AS l FROM range(3) t(i)"
    result = _query(warehouse, sql, "--json")
    assert result.exit_code == 0, result.stderr
    rows = [{"i": i, "day": f"2024-05-0{i + 1}", "s": "né [/x]", "n": None, "l": [1, 2]} for i in range(3)]
    assert result.stdout == json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    empty = _query(warehouse, "SELECT 1 AS a WHERE false", "--json")
    assert (empty.exit_code, empty.stdout) == (0, "[]\n")


def test_query_json_and_another_format_disagree(warehouse: Path) -> None:
    result = _query(warehouse, "SELECT 1", "--json", "--format", "csv")
    assert result.exit_code == 2
    assert "--json and --format csv disagree" in result.stderr


def test_query_into_a_pipe_closed_early_stops_quietly_with_the_shell_code(warehouse: Path) -> None:
    """`tealeaves query ... | head -1`: the query stops, stderr stays empty, and the exit is 141 as for SIGPIPE."""
    launch = "import sys; from flows.cli import main; sys.argv = ['tealeaves', *sys.argv[1:]]; main()"
    command = [sys.executable, "-c", launch, "query", "SELECT i FROM range(5000000) t(i)", "--format", "csv"]
    env = {**os.environ, "TEALEAVES_DB": str(warehouse), "TEALEAVES_QUERY_MAX_ROWS": "100000000"}
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) as proc:
        assert proc.stdout is not None
        assert proc.stderr is not None
        assert proc.stdout.readline() == b"i\r\n"  # CSV lines end in CRLF (RFC 4180)
        proc.stdout.close()
        stderr = proc.stderr.read()
        assert proc.wait(timeout=60) == 141
    assert stderr == b""
