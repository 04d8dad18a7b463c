"""The `tealeaves` command: the front door. Errors become messages here, and exit codes:
0 the job completed (some sources may have failed; they are listed), 1 it could not proceed, 2 bad invocation."""

from __future__ import annotations

import json
import logging
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from extractors.errors import ConfigError
from extractors.sources import load_sources, site_of
from flows import cli_analysis
from flows.settings import Settings
from warehouse.errors import QueryError, WarehouseError
from warehouse.query import QueryResult, named, run_query

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Follow political commentary into DuckDB.")
sources_app = typer.Typer(no_args_is_help=True, help="The outlets in sources.toml.")
app.add_typer(sources_app, name="sources")
out = Console()
err = Console(stderr=True)

DbOption = Annotated[
    Path | None, typer.Option("--db", help="Warehouse file (default: TEALEAVES_DB or data/tealeaves.duckdb).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of a table.")]
SourcesOption = Annotated[Path | None, typer.Option("--sources", help="Sources file (default: sources.toml).")]


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return value


def _print(result: QueryResult, as_json: bool, title: str | None = None) -> None:
    if as_json:
        rows = [{c: _jsonable(v) for c, v in zip(result.columns, row, strict=True)} for row in result.rows]
        print(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
        return
    table = Table(title=title, show_lines=False)
    for column in result.columns:
        table.add_column(column, overflow="fold")
    for row in result.rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    out.print(table)


def _fail(message: str, code: int) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


@app.command()
def ingest(
    sources: SourcesOption = None,
    db: DbOption = None,
    source: Annotated[list[str] | None, typer.Option("--source", help="Only this source (repeatable).")] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Poll every source now, even those backing off or paused.")
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show Prefect's run logs.")] = False,
    analyze: Annotated[
        bool, typer.Option("--analyze/--no-analyze", help="Refresh the analysis afterwards (only new documents).")
    ] = True,
    as_json: JsonOption = False,
) -> None:
    """Load the seed corpus, poll every source, land new documents and refresh the analysis.

    Example: tealeaves ingest --source nakedcapitalism --db /tmp/t.duckdb
    """
    settings = Settings()
    sources_path = sources or settings.sources
    try:
        selected = load_sources(sources_path).select(source)
    except ConfigError as exc:
        raise _fail(str(exc), 2) from exc
    if not verbose:
        logging.getLogger("prefect").setLevel(logging.WARNING)

    from flows import ingest as ingest_module  # Prefect is imported only when a run is asked for

    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )
    bar = progress.add_task("starting Prefect and loading seeds", total=len(selected) * 2)

    def hook(event: str, name: str, detail: str) -> None:
        progress.update(bar, advance=1, description=f"{name}: {event} {detail}".strip())

    ingest_module.progress_hook = hook
    try:
        with progress:
            summary = ingest_module.ingest(
                sources_path=str(sources_path),
                db=str(db) if db else None,
                source_names=list(source or []),
                force=force,
            )
    except ConfigError as exc:
        raise _fail(str(exc), 2) from exc
    except WarehouseError as exc:
        raise _fail(str(exc), 1) from exc
    finally:
        ingest_module.progress_hook = None
    if analyze and summary["documents_new"] + summary["seeds_new"] > 0:
        # Without a server nobody reacts to the completion event: run the same step inline. With the
        # `analyze` deployment also triggered, the second refresh finds nothing new and does nothing.
        from flows.analyze import analyze as analyze_flow

        try:
            summary["analysis"] = analyze_flow(db=summary["db"])
        except WarehouseError as exc:
            raise _fail(f"ingest completed, but the analysis could not run: {exc}", 1) from exc
    if as_json:
        print(json.dumps(summary, default=str, indent=2))
        return
    out.print(
        f"run {summary['run_id']}: [bold]{summary['documents_new']}[/] new documents "
        f"({summary['seeds_new']} seed), {len(summary['sources_ok'])} sources ok, "
        f"{len(summary['sources_failed'])} failed → {summary['db']}"
    )
    for name, reason in summary["sources_failed"].items():
        out.print(f"  [red]✗ {name}[/]: {reason}", highlight=False, soft_wrap=True)
    for name, reason in summary["sources_waiting"].items():
        out.print(
            f"  [yellow]… {name}[/]: not polled, {reason} (--force polls it now)", highlight=False, soft_wrap=True
        )
    if summary["failures"]:
        out.print(f'  {summary["failures"]} failures recorded: tealeaves query "SELECT * FROM failures"')
    if "analysis" in summary:
        out.print(f"analysis: {summary['analysis'].get('summary', 'refreshed')}", highlight=False, soft_wrap=True)


@app.command()
def query(
    sql_text: Annotated[str, typer.Argument(metavar="SQL", help="One SQL statement (read-only).")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Run read-only SQL on the warehouse.

    Example: tealeaves query "SELECT source, count(*) FROM documents GROUP BY ALL"
    """
    try:
        _print(run_query(db or Settings().db, sql_text), as_json)
    except QueryError as exc:
        raise _fail(str(exc), 2) from exc
    except WarehouseError as exc:
        raise _fail(str(exc), 1) from exc


@app.command()
def status(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Last runs and per-source health.

    Example: tealeaves status --json
    """
    path = db or Settings().db
    try:
        runs = named(path, "health/recent_runs")
        health = named(path, "health/source_status")
    except WarehouseError as exc:
        raise _fail(str(exc), 1) from exc
    if as_json:
        print(
            json.dumps(
                {
                    "runs": [dict(zip(runs.columns, map(_jsonable, r), strict=True)) for r in runs.rows],
                    "sources": [dict(zip(health.columns, map(_jsonable, r), strict=True)) for r in health.rows],
                },
                indent=2,
                default=str,
            )
        )
        return
    _print(runs, False, "recent runs")
    _print(health, False, "sources")


@sources_app.command("resume")
def sources_resume(
    name: Annotated[str, typer.Argument(help="The source to poll again on the next run.")], db: DbOption = None
) -> None:
    """Un-pause a source that kept failing and forget its failures; the next run polls it.

    Example: tealeaves sources resume russiamatters
    """
    from warehouse import state
    from warehouse.db import open_writer

    settings = Settings()
    try:
        with open_writer(db or settings.db, wait=settings.lock_wait) as conn:
            state.resume(conn, name)
    except WarehouseError as exc:
        raise _fail(str(exc), 1) from exc
    out.print(f"{name}: will be polled on the next run")


@sources_app.command("list")
def sources_list(sources: SourcesOption = None, as_json: JsonOption = False) -> None:
    """The configured outlets.

    Example: tealeaves sources list --sources my-sources.toml
    """
    try:
        config = load_sources(sources or Settings().sources)
    except ConfigError as exc:
        raise _fail(str(exc), 2) from exc
    rows = [(s.name, s.feed, site_of(s)) for s in config.sources]
    _print(QueryResult(["name", "feed", "site"], rows), as_json)


def main() -> None:
    """Console-script entry point."""
    app()


cli_analysis.register(app)
