"""What every `tealeaves` command shares: consoles, option types, settings, errors as messages, JSON and tables.

Text that did not come from our own code (titles, authors, URLs, server and DuckDB messages, config values)
reaches the terminal only through ``plain``: shown as written, never parsed as Rich markup or emoji codes,
its control characters made visible. Our own emphasis is a Text style, never markup formatted around it."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from flows.settings import Settings, SettingsError
from warehouse.query import QueryResult

DbOption = Annotated[
    Path | None, typer.Option("--db", help="Warehouse file (default: TEALEAVES_DB or data/tealeaves.duckdb).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of a table.")]
SourcesOption = Annotated[Path | None, typer.Option("--sources", help="Sources file (default: sources.toml).")]

# The only styles the commands use (tests/flows/test_cli_markup.py lets these and no others reach a terminal).
ERROR = "bold red"
WARNING = "yellow"
FAILED = "red"
WAITING = "yellow"
COUNT = "bold"
HIT = "bold yellow"

# C0 and C1 control characters but tab and newline: an ESC in a stored title would start a terminal sequence.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

Part = str | Text | tuple[str, str]


def console(*, stderr: bool = False) -> Console:
    """A console that prints strings as they are: no markup, no emoji codes, no highlighting.

    Built for each print, so the environment of the call (FORCE_COLOR, COLUMNS …) decides colour and width."""
    return Console(stderr=stderr, markup=False, emoji=False, highlight=False)


def plain(value: object) -> Text:
    """Outside text as Text, shown verbatim (control characters as ``\\x1b``); None is empty."""
    return Text("" if value is None else _visible(str(value)))


def _visible(text: str) -> str:
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def line(*parts: Part) -> Text:
    """One line from pieces: a str is outside text, a (text, style) pair our own emphasis of outside text."""
    out = Text()
    for part in parts:
        if isinstance(part, Text):
            out.append_text(part)
        elif isinstance(part, tuple):
            text, style = part
            out.append(_visible(text), style)
        else:
            out.append(_visible(part))
    return out


def show(*parts: Part, stderr: bool = False) -> None:
    """Print one line (see ``line``), unwrapped so paths and messages stay whole."""
    console(stderr=stderr).print(line(*parts), soft_wrap=True)


def fail(message: str, code: int) -> typer.Exit:
    """Print ``error: message`` on stderr; raise the returned Exit to end the command with ``code``."""
    show(("error:", ERROR), " ", message, stderr=True)
    return typer.Exit(code)


def load_settings() -> Settings:
    """The settings from the environment; a bad value ends the command with exit 2, one error line per variable."""
    try:
        return Settings()
    except SettingsError as exc:
        *first, last = exc.problems
        for problem in first:
            show(("error:", ERROR), " ", problem, stderr=True)
        raise fail(last, 2) from exc


def warn(message: str) -> None:
    """Print ``warning: message`` on stderr; the command goes on."""
    show(("warning:", WARNING), " ", message, stderr=True)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def json_text(data: Any, *, indent: int | None = 2) -> str:
    """``data`` as JSON for scripts: dates ISO 8601, bytes as hex, anything else unknown as its str."""
    return json.dumps(data, ensure_ascii=False, indent=indent, default=_jsonable)


def dump_json(data: Any) -> None:
    """Print ``data`` as JSON for scripts (see ``json_text``)."""
    print(json_text(data))


def rows_as_dicts(result: QueryResult) -> list[dict[str, Any]]:
    """The rows of a query result as column -> value mappings."""
    return [dict(zip(result.columns, row, strict=True)) for row in result.rows]


def table(
    columns: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    title: str | Text | None = None,
    right: frozenset[str] = frozenset(),
    show_lines: bool = False,
) -> Table:
    """A table whose headers, title and cells are all Text: a cell is ``plain`` unless already Text."""
    built = Table(title=plain(title) if isinstance(title, str) else title, show_lines=show_lines)
    for column in columns:
        built.add_column(plain(column), overflow="fold", justify="right" if column in right else "left")
    for row in rows:
        built.add_row(*(cell if isinstance(cell, Text) else plain(cell) for cell in row))
    return built


def show_table(built: Table) -> None:
    """Print a table on stdout."""
    console().print(built)


def show_result(result: QueryResult, as_json: bool, title: str | None = None) -> None:
    """A query result as JSON rows or as a table."""
    if as_json:
        dump_json(rows_as_dicts(result))
    else:
        show_table(table(result.columns, result.rows, title=title))


class _PlainDescription(ProgressColumn):
    """A task's description as text: Rich's TextColumn would parse source names and details as markup."""

    def render(self, task: Task) -> Text:
        return plain(task.description)


def progress_bar() -> Progress:
    """The progress bar of long commands, on stderr, gone when the work ends."""
    return Progress(
        _PlainDescription(),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console(stderr=True),
        transient=True,
    )
