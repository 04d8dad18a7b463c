"""The backfill flow: one source's older pieces, from its sitemaps or its feed's pages, landed like feed entries.

The work is plain code (``flows.history``); this module is its Prefect adapter, a deployment run by hand from
the UI with its parameters. New documents become events, and the completion event starts the analysis as an
ingest run's does.
"""

from __future__ import annotations

import uuid
from datetime import date

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from flows import reporting
from flows.history import BackfillLimits, BackfillResult, run_backfill
from flows.ingest import PrefectEvents
from flows.runs import run_inputs
from flows.settings import Settings


@flow(name="backfill", log_prints=True)
def backfill(
    source: str, since: date | None = None, sources_path: str | None = None, db: str | None = None
) -> BackfillResult:
    """Find ``source``'s pieces published since ``since`` (all it lists without it), fetch those not stored
    yet and land them without touching the feed's state."""
    settings = Settings()
    inputs = run_inputs(settings, sources_path, db, [source])
    result, finished = run_backfill(
        inputs,
        BackfillLimits.from_settings(settings),
        since=since,
        run_id=str(flow_run.get_id() or uuid.uuid4()),
        events=PrefectEvents(),
        progress=None,
        log=get_run_logger(),
    )
    reporting.emit_completed(result.summary)
    reporting.publish_artifacts(result.summary, finished.failures, finished.health, settings.poll_interval)
    return result


if __name__ == "__main__":
    import sys

    backfill(sys.argv[1])
