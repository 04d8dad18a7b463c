"""The analyze flow: bring the analysis up to date with what ingest landed (only the new documents).

Triggered after an ingest run (and called inline by `tealeaves ingest`); `tealeaves analyze` runs the
same refresh by hand without starting Prefect.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger

from extractors.gazetteer import load_gazetteer
from flows import reporting
from flows.charts import write_trends_chart
from flows.settings import Settings
from warehouse.analysis import refresh
from warehouse.analysis.reads import on_connection, trends
from warehouse.db import open_writer


@flow(name="analyze")
def analyze(db: str | None = None, full: bool = False) -> dict[str, Any]:
    """Refresh mentions, closeness to the seeds, the search index and near-duplicate clusters."""
    settings = Settings()
    gazetteer = load_gazetteer(settings.gazetteer)
    path = Path(db) if db else settings.db
    with open_writer(path, wait=settings.lock_wait) as conn:
        report = refresh(conn, gazetteer, full=full)
        weekly = trends(on_connection(conn), [], period="week", top=6)
    get_run_logger().info(report.summary)
    chart = None
    if weekly:
        chart = write_trends_chart(
            path.with_name("mentions-chart.html"), weekly, period="week", title="Mentions per week"
        )
    reporting.publish_analysis(report.summary, weekly, chart)
    return asdict(report) | {"summary": report.summary}


if __name__ == "__main__":
    analyze()
