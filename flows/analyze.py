"""The analyze flow: bring the analysis up to date with what ingest landed (only the new documents).

Triggered after an ingest run (and called inline by `tealeaves ingest` when it ran as a flow); the refresh
itself is ``flows.analysis.run_analysis``, which `tealeaves analyze` and a run without Prefect call directly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger

from flows import reporting
from flows.analysis import run_analysis
from flows.settings import Settings


@flow(name="analyze")
def analyze(db: str | None = None, full: bool = False) -> dict[str, Any]:
    """Refresh mentions, closeness to the seeds, the search index and near-duplicate clusters."""
    settings = Settings()
    done = run_analysis(Path(db) if db else settings.db, full=full, settings=settings)
    get_run_logger().info(done.report.summary)
    reporting.publish_analysis(done.report.summary, done.weekly, done.chart)
    return done.as_dict()


if __name__ == "__main__":
    analyze()
