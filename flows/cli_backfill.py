"""The `tealeaves backfill` command: a source's older pieces from its sitemaps or feed pages. Exit codes as in
flows/cli.py: 0 done (the source may have failed: it is said), 1 could not proceed, 2 bad invocation."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated

import typer

from extractors.errors import ConfigError
from flows.cli_common import (
    COUNT,
    FAILED,
    WARNING,
    DbOption,
    JsonOption,
    SourcesOption,
    dump_json,
    fail,
    progress_bar,
    show,
)
from flows.history import BackfillResult, backfill_without_prefect
from warehouse.errors import WarehouseError

SHOWN_PROBLEMS = 5  # sitemaps that could not be read, listed in the summary (all of them in --json)


def backfill(
    name: Annotated[str, typer.Argument(help="The source, by its name in sources.toml.")],
    since: Annotated[
        datetime | None,
        typer.Option(
            "--since",
            formats=["%Y-%m-%d"],
            help="Keep pieces published on or after this day (UTC); without it every listed piece, undated ones too.",
        ),
    ] = None,
    sources: SourcesOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Find a source's older pieces in its sitemaps (else its feed's ?paged=N pages) and land those not stored.

    One backfill fetches at most TEALEAVES_MAX_NEW_PER_SOURCE pieces, newest first; run it again for the rest.

    Example: tealeaves backfill responsiblestatecraft --since 2025-02-01
    """
    # usp logs every sitemap it could not read; the discovery keeps those lines and the summary shows them.
    logging.getLogger("usp").setLevel(logging.CRITICAL)
    progress = progress_bar()
    bar = progress.add_task(f"{name}: reading sitemaps", total=2)

    def hook(event: str, source: str, detail: str) -> None:
        progress.update(bar, advance=1, description=f"{source}: {event} {detail}".strip())

    try:
        with progress:
            result = backfill_without_prefect(
                name,
                since.date() if since else None,
                str(sources) if sources else None,
                str(db) if db else None,
                progress=hook,
            )
    except ConfigError as exc:
        raise fail(str(exc), 2) from exc
    except WarehouseError as exc:
        raise fail(str(exc), 1) from exc
    if as_json:
        dump_json(result.as_dict())
        return
    _show(name, result)


def _show(name: str, result: BackfillResult) -> None:
    found, summary = result.discovery, result.summary
    where = {"sitemaps": f"{found.sitemaps_read} sitemaps", "feed pages": f"{found.feed_pages_read} feed pages"}
    since = f" since {result.since}" if result.since else ""
    show(
        f"{name}: {found.listed} pieces listed in {where.get(found.found_in, 'no sitemap or feed page')}, "
        f"{found.kept} kept{since}; ",
        (str(summary.documents_new), COUNT),
        f" new documents → {summary.db}",
    )
    for problem in found.problems[:SHOWN_PROBLEMS]:
        show("  ", ("! not read", WARNING), f": {problem}")
    if len(found.problems) > SHOWN_PROBLEMS:
        show(f"  … and {len(found.problems) - SHOWN_PROBLEMS} more sitemaps not read (--json lists them all)")
    for reason in summary.sources_failed.values():
        show("  ", ("✗ failed", FAILED), f": {reason}")
    if found.kept > result.limit:
        show(f"  at most {result.limit} pieces are fetched per backfill: run it again for the rest")
    if summary.failures:
        show(f"  {summary.failures} failures recorded: ", 'tealeaves query "SELECT * FROM failures"')


def register(app: typer.Typer) -> None:
    """Add the backfill command to the `tealeaves` app."""
    app.command("backfill")(backfill)
