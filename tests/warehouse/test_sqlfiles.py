"""The SQL files: named statements, read by one loader; every statement is run by some module."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from warehouse.errors import SqlFileError
from warehouse.sqlfiles import parse, sql, statements

REPO = Path(__file__).resolve().parents[2]
SQL = REPO / "warehouse" / "sql"
# Migrations are applied whole; each check is one query that must return no rows (warehouse.query).
WHOLE_FILES = ("migrations", "checks")
NAMED_FILES = sorted(
    p.relative_to(SQL).with_suffix("").as_posix()
    for p in SQL.rglob("*.sql")
    if p.relative_to(SQL).parts[0] not in WHOLE_FILES
)


def test_a_statement_is_found_by_file_and_name_with_its_description() -> None:
    text = sql("health/recent_runs")
    assert text.startswith("-- The latest runs, newest first.\nSELECT run_id")
    assert statements("health")["recent_runs"] == text


def test_a_missing_statement_is_an_error_naming_the_file_and_what_it_has() -> None:
    with pytest.raises(SqlFileError, match=r"warehouse/sql/health\.sql has no statement named 'recent_run' \(it has "):
        sql("health/recent_run")


def test_a_missing_file_is_an_error_naming_it() -> None:
    with pytest.raises(SqlFileError, match=r"warehouse/sql/analysis/nowhere\.sql does not exist"):
        sql("analysis/nowhere/recent_runs")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-- about\nSELECT 1\n-- name: a\nSELECT 2\n", "SQL before its first '-- name:' line"),
        ("-- name: a\nSELECT 1\n-- name: a\nSELECT 2\n", "names two statements 'a'"),
        ("-- name: a\n-- only a description\n\n-- name: b\nSELECT 2\n", "statement 'a' has no SQL"),
    ],
)
def test_a_malformed_file_is_refused_naming_it(text: str, message: str) -> None:
    with pytest.raises(SqlFileError, match=f"f.sql.*{message}"):
        parse(text, "f.sql")


def test_statements_run_to_the_next_name() -> None:
    text = "-- The file.\n\n-- name: a\n-- What a does.\nSELECT 1;\nSELECT 2;\n\n-- name: b\nSELECT 3\n"
    assert parse(text, "f.sql") == {"a": "-- What a does.\nSELECT 1;\nSELECT 2;", "b": "SELECT 3"}


@pytest.mark.parametrize("file", NAMED_FILES)
def test_every_sql_file_holds_named_statements_only(file: str) -> None:
    assert statements(file)  # parse() refuses anything outside a named statement


def _strings(path: Path) -> set[str]:
    """Every string constant in a module, f-string parts included."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)}


def test_every_named_statement_is_used_by_some_module() -> None:
    """A statement counts as used where a module names it and its file: ``"load/insert_document"``, or
    ``"drop"`` beside the step ``"scope"``, or ``f"analysis/reads/{name}"`` beside ``"trends"``."""
    modules = [_strings(p) for package in ("flows", "warehouse") for p in (REPO / package).rglob("*.py")]
    unused = [
        f"{file}/{name}"
        for file in NAMED_FILES
        for name in statements(file)
        if not any(
            any(s == name or s.endswith(f"/{name}") for s in strings)
            and any(Path(file).name in s.split("/") for s in strings)
            for strings in modules
        )
    ]
    assert unused == [], "statements no module runs: delete them, or run them"


# How each formula of migration 0006 begins when it is spelled out instead of called.
SPELLED_OUT = {
    "tfidf_weight": "(1 + ln(",
    "bm25_idf": "ln(1 + (",
    "bm25_term": "* 2.2 / (",
    "minhash_similarity": "list_zip(",
}


@pytest.mark.parametrize("file", NAMED_FILES)
def test_the_formulas_are_called_not_written_again(file: str) -> None:
    text = "\n".join(statements(file).values())
    assert [macro for macro, start in SPELLED_OUT.items() if start in text] == []
