"""The `tealeaves` command: the front door. Errors become messages here, and exit codes:
0 the job completed (some sources may have failed; they are listed), 1 it could not proceed, 2 bad invocation,
3 `query` stopped at a row or byte cap (what it printed is complete; stderr names the cap)."""

from __future__ import annotations

import logging
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from extractors.errors import ConfigError
from extractors.sources import load_sources, site_of
from flows import cli_analysis, cli_backfill, cli_sources
from flows.cli_common import (
    COUNT,
    FAILED,
    WAITING,
    DbOption,
    JsonOption,
    SourcesOption,
    dump_json,
    fail,
    load_settings,
    progress_bar,
    rows_as_dicts,
    show,
    show_result,
    warn,
)
from flows.query_output import Caps, Format, write_rows
from flows.settings import Settings, prefect_api_url
from warehouse.errors import QueryError, WarehouseError
from warehouse.query import QueryResult, named, stream_query

STOPPED_AT_CAP = 3  # exit code of a query whose output stopped at a row or byte cap
READER_GONE = 141  # 128 + SIGPIPE: the reader of stdout closed it (`tealeaves query ... | head`), as a shell reports

if TYPE_CHECKING:
    from flows.pipeline import IngestSummary, Progress

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Follow political commentary into DuckDB.")
sources_app = typer.Typer(no_args_is_help=True, help="The outlets in sources.toml.")
app.add_typer(sources_app, name="sources")


@app.command()
def ingest(
    sources: SourcesOption = None,
    db: DbOption = None,
    source: Annotated[list[str] | None, typer.Option("--source", help="Only this source (repeatable).")] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Poll every source now, even those backing off or paused.")
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show Prefect's run logs.")] = False,
    prefect: Annotated[
        bool | None,
        typer.Option(
            "--prefect/--no-prefect",
            help="Run as a Prefect flow (the default when a Prefect server is configured: PREFECT_API_URL, or "
            "the active Prefect profile). Without one, --prefect starts Prefect's temporary server (20-30 s).",
        ),
    ] = None,
    analyze: Annotated[
        bool, typer.Option("--analyze/--no-analyze", help="Refresh the analysis afterwards (only new documents).")
    ] = True,
    as_json: JsonOption = False,
) -> None:
    """Load the seed corpus, poll every source, land new documents and refresh the analysis.

    Example: tealeaves ingest --source nakedcapitalism --db /tmp/t.duckdb
    """
    settings = load_settings()
    sources_path = sources or settings.sources
    try:
        selected = load_sources(sources_path).select(source)
    except ConfigError as exc:
        raise fail(str(exc), 2) from exc
    as_flow = prefect if prefect is not None else prefect_api_url() is not None
    if not verbose:
        logging.getLogger("prefect").setLevel(logging.WARNING)
    progress = progress_bar()
    bar = progress.add_task(
        "starting Prefect and loading seeds" if as_flow else "loading seeds", total=len(selected) * 2
    )

    def hook(event: str, name: str, detail: str) -> None:
        progress.update(bar, advance=1, description=f"{name}: {event} {detail}".strip())

    try:
        with progress:
            result = _run_ingest(as_flow, str(sources_path), db, list(source or []), force, hook)
    except ConfigError as exc:
        raise fail(str(exc), 2) from exc
    except WarehouseError as exc:
        raise fail(str(exc), 1) from exc
    # Nobody may react to the completion event: run the same step inline. With the `analyze` deployment also
    # triggered, the second refresh finds nothing new and does nothing.
    analysis = _analyze_inline(result.db, as_flow) if analyze and result.has_new else None
    if as_json:
        dump_json(result.as_dict() | ({"analysis": analysis} if analysis is not None else {}))
        return
    _show_summary(result, analysis)


def _run_ingest(
    as_flow: bool, sources: str, db: Path | None, names: list[str], force: bool, progress: Progress
) -> IngestSummary:
    """The ingest run as a Prefect flow, or the same pipeline without Prefect (nothing to start, nothing
    shown in the Prefect UI; the run is recorded in the warehouse either way)."""
    if as_flow:
        from flows.ingest import ingest  # Prefect is imported only when a flow run is asked for

        return ingest(
            sources_path=sources, db=str(db) if db else None, source_names=names, force=force, progress=progress
        )
    from flows.runs import ingest_without_prefect

    return ingest_without_prefect(sources, str(db) if db else None, names, force=force, progress=progress)


def _analyze_inline(db: str, as_flow: bool) -> dict[str, Any]:
    try:
        if as_flow:
            from flows.analyze import analyze as analyze_flow

            return analyze_flow(db=db)
        from flows.analysis import run_analysis

        return run_analysis(Path(db)).as_dict()
    except ConfigError as exc:
        raise fail(f"ingest completed, but the analysis could not run: {exc}", 2) from exc
    except WarehouseError as exc:
        raise fail(f"ingest completed, but the analysis could not run: {exc}", 1) from exc


def _show_summary(result: IngestSummary, analysis: dict[str, Any] | None) -> None:
    show(
        f"run {result.run_id}: ",
        (str(result.documents_new), COUNT),
        f" new documents ({result.seeds_new} seed), {len(result.sources_ok)} sources ok, "
        f"{len(result.sources_failed)} failed → {result.db}",
    )
    for name, reason in result.sources_failed.items():
        show("  ", (f"✗ {name}", FAILED), f": {reason}")
    for name, reason in result.sources_waiting.items():
        show("  ", (f"… {name}", WAITING), f": not polled, {reason} (--force polls it now)")
    if result.failures:
        show(f"  {result.failures} failures recorded: ", 'tealeaves query "SELECT * FROM failures"')
    if analysis is not None:
        show(f"analysis: {analysis.get('summary', 'refreshed')}")


@app.command()
def query(
    sql_text: Annotated[str, typer.Argument(metavar="SQL", help="One SQL statement (read-only).")],
    db: DbOption = None,
    as_json: JsonOption = False,
    form: Annotated[
        Format | None, typer.Option("--format", help="table (default), csv, json (as --json) or jsonl.")
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option("--limit", min=1, help="Print at most N rows; lowers TEALEAVES_QUERY_MAX_ROWS, never raises it."),
    ] = None,
) -> None:
    """Run read-only SQL on the warehouse, printing rows as they are read.

    Output stops at TEALEAVES_QUERY_MAX_ROWS rows (--limit lowers it) or
    TEALEAVES_QUERY_MAX_BYTES bytes: what was printed is complete and valid,
    stderr names the cap. Exit codes: 0 the whole result, 3 stopped at a cap,
    2 bad SQL, refused, or over the time or memory limit, 1 no warehouse access,
    141 the reader of the output closed it (| head).

    Example: tealeaves query "SELECT source, count(*) FROM documents GROUP BY ALL" --format csv
    """
    settings = load_settings()
    chosen = _query_format(form, as_json)
    try:
        with stream_query(
            db or settings.db, sql_text, timeout=settings.query_timeout, memory_limit=settings.query_memory
        ) as stream:
            written = write_rows(stream.columns, stream, chosen, _query_caps(settings, limit), sys.stdout)
    except BrokenPipeError as exc:
        raise _reader_gone() from exc
    except QueryError as exc:
        raise fail(str(exc), 2) from exc
    except WarehouseError as exc:
        raise fail(str(exc), 1) from exc
    if written.stopped:
        warn(written.stopped)
        raise typer.Exit(STOPPED_AT_CAP)


def _reader_gone() -> typer.Exit:
    """The query stops reading rows when stdout's reader has gone; nothing more is written to the closed pipe."""
    # Python would try to flush stdout again at exit and report a second broken pipe on stderr.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return typer.Exit(READER_GONE)


def _query_format(form: Format | None, as_json: bool) -> Format:
    if as_json and form not in (None, Format.JSON):
        raise fail(f"--json and --format {form} disagree; give one of them", 2)
    return Format.JSON if as_json else form or Format.TABLE


def _query_caps(settings: Settings, limit: int | None) -> Caps:
    if limit is not None and limit < settings.query_max_rows:
        rows, rows_set_by = limit, f"--limit {limit}"
    else:
        rows, rows_set_by = settings.query_max_rows, "TEALEAVES_QUERY_MAX_ROWS; --limit lowers it"
    return Caps(rows, settings.query_max_bytes, rows_set_by, "TEALEAVES_QUERY_MAX_BYTES")


@app.command()
def status(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Last runs and per-source health.

    Example: tealeaves status --json
    """
    settings = load_settings()
    path = db or settings.db
    try:
        runs = named(path, "health/recent_runs")
        health = named(path, "health/source_status")
    except WarehouseError as exc:
        raise fail(str(exc), 1) from exc
    if as_json:
        dump_json({"runs": rows_as_dicts(runs), "sources": rows_as_dicts(health)})
        return
    show_result(runs, False, "recent runs")
    show_result(_readable_schedule(health, datetime.now(UTC)), False, "sources")


def _readable_schedule(health: QueryResult, now: datetime) -> QueryResult:
    """The sources' table with its next poll as a person reads it: a UTC time and how far off, or "next run"."""
    at, why = health.columns.index("next_poll_at"), health.columns.index("wait_reason")
    columns = list(health.columns)
    columns[at], columns[why] = "next poll", "why"
    rows = []
    for row in health.rows:
        cells = list(row)
        when = cells[at]
        if when is None or when <= now:
            cells[at], cells[why] = "next run", cells[why] if when is not None else "nothing asked to wait"
        else:
            minutes = int((when - now).total_seconds() // 60)
            off = f"in {minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"in {minutes} min"
            cells[at] = f"{when.astimezone(UTC):%Y-%m-%d %H:%M} UTC ({off})"
        rows.append(tuple(cells))
    return QueryResult(columns, rows)


@sources_app.command("resume")
def sources_resume(
    name: Annotated[str, typer.Argument(help="The source to poll again on the next run.")],
    sources: SourcesOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Un-pause a source that kept failing and forget its failures; the next run polls it.

    Example: tealeaves sources resume russiamatters
    """
    from warehouse import state
    from warehouse.db import open_writer

    settings = load_settings()
    path = db or settings.db
    sources_path = sources or settings.sources
    known, unread = _known_sources(path, sources_path)
    if name not in known:
        listed = ", ".join(sorted(known)) or "none"
        why = f" ({unread})" if unread else ""
        raise fail(f"no source named {name!r} in {sources_path} or {path}; known: {listed}{why}", 2)
    try:
        with open_writer(path, wait=settings.lock_wait) as conn:
            state.resume(conn, name)
    except WarehouseError as exc:
        raise fail(str(exc), 1) from exc
    if as_json:
        dump_json({"source": name, "resumed": True})
        return
    show(f"{name}: will be polled on the next run")


def _known_sources(db: Path, sources_path: Path) -> tuple[set[str], str | None]:
    """The source names in sources.toml and in the warehouse, and why the file could not be read if it could
    not: either may be missing (a retired source is still in the warehouse, a new one only in the file)."""
    unread = None
    try:
        known = {s.name for s in load_sources(sources_path).sources}
    except ConfigError as exc:
        known, unread = set(), str(exc)
    if db.exists():
        try:
            known.update(row[0] for row in named(db, "health/source_status").rows)
        except WarehouseError as exc:
            raise fail(str(exc), 1) from exc
    return known, unread


@sources_app.command("list")
def sources_list(sources: SourcesOption = None, as_json: JsonOption = False) -> None:
    """The configured outlets.

    Example: tealeaves sources list --sources my-sources.toml
    """
    settings = load_settings()
    try:
        config = load_sources(sources or settings.sources)
    except ConfigError as exc:
        raise fail(str(exc), 2) from exc
    rows = [(s.name, s.feed, site_of(s)) for s in config.sources]
    show_result(QueryResult(["name", "feed", "site"], rows), as_json)


def main() -> None:
    """Console-script entry point."""
    app()


cli_analysis.register(app)
cli_backfill.register(app)
cli_sources.register(sources_app)
