"""The analysis refresh as plain code: what the `analyze` flow runs, and what `tealeaves ingest` runs inline
when no Prefect server is there to react to the completion event."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from extractors.gazetteer import load_gazetteer
from flows.charts import write_trends_chart
from flows.settings import Settings
from warehouse.analysis import RefreshReport, refresh
from warehouse.analysis.reads import Trend, on_connection, trends
from warehouse.db import open_writer


@dataclass(frozen=True)
class AnalysisRun:
    """One refresh: what it did, the most mentioned entities per week, and the chart drawn of them."""

    report: RefreshReport
    weekly: list[Trend]
    chart: Path | None

    def as_dict(self) -> dict[str, Any]:
        """The refresh report as JSON-ready data, with its one-line summary."""
        return asdict(self.report) | {"summary": self.report.summary}


def run_analysis(db: Path, *, full: bool = False, settings: Settings | None = None) -> AnalysisRun:
    """Refresh mentions, closeness to the seeds, the search index and near-duplicate clusters (only what
    landed since the last refresh unless ``full``), and redraw the weekly mentions chart beside the warehouse."""
    settings = settings or Settings()
    gazetteer = load_gazetteer(settings.gazetteer)
    with open_writer(db, wait=settings.lock_wait) as conn:
        report = refresh(conn, gazetteer, full=full)
        weekly = trends(on_connection(conn), [], period="week", top=6)
    chart = None
    if weekly:
        chart = write_trends_chart(
            db.with_name("mentions-chart.html"), weekly, period="week", title="Mentions per week"
        )
    return AnalysisRun(report, weekly, chart)
