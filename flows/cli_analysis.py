"""The analysis commands of `tealeaves`: analyze, trends, search, new. Exit codes as in flows/cli.py:
0 done, 1 could not proceed (the warehouse is busy), 2 bad invocation (unknown entity, bad date …)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from extractors.errors import ConfigError
from extractors.gazetteer import load_gazetteer
from flows.charts import write_trends_chart
from flows.cli_common import (
    COUNT,
    HIT,
    DbOption,
    JsonOption,
    dump_json,
    fail,
    line,
    load_settings,
    rows_as_dicts,
    show,
    show_table,
    table,
    warn,
)
from warehouse.analysis import refresh
from warehouse.analysis.reads import (
    PERIODS,
    Trend,
    on_file,
    read_last_look,
    remember_look,
    resolve_since,
    search,
    trends,
    whats_new,
)
from warehouse.db import open_writer
from warehouse.errors import QueryError, WarehouseError
from warehouse.query import QueryResult

BARS = "▁▂▃▄▅▆▇█"


def _warehouse(db: Path | None) -> Path:
    settings = load_settings()
    path = db or settings.db
    if not path.exists():
        raise fail(f"{path}: no warehouse here yet; run `tealeaves ingest` first or pass --db", 2)
    return path


def _query_failed(exc: QueryError) -> typer.Exit:
    message = str(exc)
    if "does not exist" in message:
        message += " — this warehouse has no analysis yet: run `tealeaves analyze`"
    return fail(message, 2)


def analyze(
    full: Annotated[bool, typer.Option("--full", help="Rebuild everything instead of the new documents only.")] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Bring the analysis up to date: only documents landed since the last refresh are processed.

    Example: tealeaves analyze --full --db try.duckdb
    """
    settings = load_settings()
    path = _warehouse(db)
    try:
        gazetteer = load_gazetteer(settings.gazetteer)
    except ConfigError as exc:
        raise fail(str(exc), 2) from exc
    try:
        with open_writer(path, wait=settings.lock_wait) as conn:
            report = refresh(conn, gazetteer, full=full)
    except WarehouseError as exc:
        raise fail(str(exc), 1) from exc
    if as_json:
        dump_json(asdict(report) | {"summary": report.summary})
        return
    show(report.summary)


def _sparkline(trend: Trend, periods: list[date]) -> str:
    counts = {p["period"]: p["mentions"] for p in trend.periods}
    top = max(counts.values(), default=0)
    if top == 0:
        return " " * len(periods)
    return "".join(
        " " if counts.get(p, 0) == 0 else BARS[min(len(BARS) - 1, counts[p] * len(BARS) // (top + 1))] for p in periods
    )


def trends_command(
    entities: Annotated[
        list[str] | None, typer.Argument(metavar="[ENTITY]...", help="Names or aliases (default: the most mentioned).")
    ] = None,
    since: Annotated[str | None, typer.Option("--since", help="First day, YYYY-MM-DD.")] = None,
    by: Annotated[str, typer.Option("--by", help="Period: day, week or month.")] = "week",
    top: Annotated[int, typer.Option("--top", help="How many entities when none are named.")] = 6,
    chart: Annotated[
        Path | None,
        typer.Option("--chart", help="Where to write the HTML chart (default: trends.html beside the warehouse)."),
    ] = None,
    no_chart: Annotated[bool, typer.Option("--no-chart", help="Do not write the chart.")] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Mentions of people, institutions and places over time: a table and an HTML chart.

    Example: tealeaves trends Witkoff Lavrov Riyadh --since 2025-02-01 --by week
    """
    path = _warehouse(db)
    if by not in PERIODS:
        raise fail(f"--by must be one of {', '.join(PERIODS)}, not {by!r}", 2)
    try:
        first = date.fromisoformat(since) if since else None
    except ValueError as exc:
        raise fail(f"--since takes a date like 2025-02-01, not {since!r}", 2) from exc
    try:
        found = trends(on_file(path), list(entities or []), since=first, period=by, top=top)
    except QueryError as exc:
        raise _query_failed(exc) from exc
    except WarehouseError as exc:
        raise fail(str(exc), 1) from exc
    chart_path = None
    if found and not no_chart:
        target = chart or path.with_name("trends.html")
        title = f"Mentions per {by}" + (f" since {first.isoformat()}" if first else "")
        chart_path = write_trends_chart(target, found, period=by, title=title)
    if as_json:
        dump_json(
            {
                "period": by,
                "since": first,
                "chart": str(chart_path) if chart_path else None,
                "entities": [{"entity": t.entity, "kind": t.kind, "periods": t.periods} for t in found],
            }
        )
        return
    if not found:
        show("no mentions yet: run `tealeaves analyze` after an ingest")
        return
    periods = sorted({p["period"] for t in found for p in t.periods})
    rows = []
    for t in found:
        busiest = max(t.periods, key=lambda p: (p["mentions"], p["period"]), default=None)
        rows.append(
            (
                t.entity,
                t.kind,
                t.mentions,
                t.documents,
                t.comment_mentions,
                f"{busiest['period']} ({busiest['mentions']})" if busiest else "",
                _sparkline(t, periods),
            )
        )
    show_table(
        table(
            ("entity", "kind", "mentions", "documents", "in comments", "busiest", ""),
            rows,
            title=f"mentions per {by}" + (f" since {first}" if first else ""),
            right=frozenset({"mentions", "documents", "in comments"}),
        )
    )
    if periods:
        show(f"{len(periods)} {by}s from {periods[0]} to {periods[-1]}")
    if chart_path:
        show(f"chart: {chart_path} (open it in a browser)")


def search_command(
    query: Annotated[str, typer.Argument(metavar="QUERY", help="Words to look for (stemmed: 'talks' finds 'talk').")],
    comments: Annotated[bool, typer.Option("--comments", help="Rank reader comments instead of documents.")] = False,
    limit: Annotated[int, typer.Option("--limit", help="How many results.")] = 10,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Full-text search, ranked by BM25, with a snippet around the words found.

    Example: tealeaves search "ceasefire Jeddah" --comments --limit 5
    """
    path = _warehouse(db)
    try:
        stems, hits = search(on_file(path), query, comments=comments, limit=limit)
    except QueryError as exc:
        raise _query_failed(exc) from exc
    except WarehouseError as exc:
        raise fail(str(exc), 1) from exc
    if as_json:
        dump_json({"query": query, "stems": stems, "comments": comments, "hits": [asdict(h) for h in hits]})
        return
    if not hits:
        show(f"nothing found for {query!r}" + ("" if stems else " (none of its words is indexed)"))
        return
    rows = []
    for h in hits:
        who = f"{h.author or '?'} on {h.title or h.doc_id} (#{h.comment_no})" if comments else (h.title or h.doc_id)
        rows.append((f"{h.score:.2f}", h.source, who, h.published, _snippet(h.snippet)))
    show_table(
        table(
            ("score", "source", "comment by" if comments else "title", "date", "snippet"),
            rows,
            title=f"{'comments' if comments else 'documents'} matching {query!r} (BM25)",
            show_lines=True,
        )
    )


def _snippet(marked: str) -> Text:
    """A search snippet with the words found (between « and », as the search query marks them) in bold."""
    pieces = marked.replace("»", "«").split("«")
    return line(*((piece, HIT) if number % 2 else piece for number, piece in enumerate(pieces)))


def new_command(
    since: Annotated[
        str | None,
        typer.Option("--since", metavar="RUN|DATE", help="An ingest run id or a date (default: your last look)."),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="How many documents to list.")] = 20,
    peek: Annotated[bool, typer.Option("--peek", help="Do not move your last look forward.")] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """What landed since your last look (or --since), busiest comment threads first.

    Example: tealeaves new --since 2025-03-11
    """
    path = _warehouse(db)
    run = on_file(path)
    try:
        moment = resolve_since(run, since) if since else read_last_look(path)
        found = whats_new(run, moment, limit=limit)
    except QueryError as exc:
        raise _query_failed(exc) from exc
    except WarehouseError as exc:
        raise fail(str(exc), 1) from exc
    if not peek and found.newest is not None:
        try:
            remember_look(path, max(found.newest, moment) if moment else found.newest)
        except OSError as exc:
            warn(f"could not remember this look ({exc})")
    if as_json:
        dump_json(
            {
                "since": moment,
                "documents": found.documents,
                "comments": found.comments,
                "outlets": found.outlets,
                "not_analysed": found.documents - found.analysed,
                "items": rows_as_dicts(found.table),
            }
        )
        return
    when = f"since {moment:%Y-%m-%d %H:%M} UTC" if moment else "in the warehouse"
    if found.documents == 0:
        show(f"nothing new {when}")
        return
    show(
        (str(found.documents), COUNT),
        " documents with ",
        (str(found.comments), COUNT),
        f" comments from {found.outlets} outlets {when}",
    )
    _print_new(found.table)
    if found.documents > len(found.table.rows):
        show(f"… and {found.documents - len(found.table.rows)} more (--limit)")
    if found.analysed < found.documents:
        show(f"{found.documents - found.analysed} of them not analysed yet: run `tealeaves analyze`")


def _print_new(result: QueryResult) -> None:
    shown = ("source", "title", "published", "comments", "threads", "deepest", "to_seeds", "top_mentions")
    index = {c: i for i, c in enumerate(result.columns)}
    rows = []
    for row in result.rows:
        cells = []
        for column in shown:
            value = row[index[column]]
            if column == "title":
                value = value or row[index["doc_id"]]
            elif column == "top_mentions":
                value = ", ".join(value or [])
            cells.append(value)
        rows.append(cells)
    show_table(table(shown, rows))


def register(app: typer.Typer) -> None:
    """Add the analysis commands to the `tealeaves` app."""
    app.command("analyze")(analyze)
    app.command("trends")(trends_command)
    app.command("search")(search_command)
    app.command("new")(new_command)
