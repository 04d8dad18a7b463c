"""What an ingest run tells Prefect: one event per landed document, a completion event that triggers
the analysis, and artifacts for the UI (stable keys, so the UI shows their history)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact
from prefect.events import emit_event

from flows.pipeline import IngestSummary, NewDocument

DOCUMENT_LANDED = "tealeaves.document.landed"
INGEST_COMPLETED = "tealeaves.ingest.completed"
NEW_DOCUMENTS_KEY = "tealeaves-new-documents"
FAILURES_KEY = "tealeaves-failures"
HEALTH_KEY = "tealeaves-source-health"
SUMMARY_KEY = "tealeaves-ingest-summary"
TABLE_ROWS = 1000  # rows of the new-documents table; a first ingest of thousands lists the first ones and says so

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~])")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def plain(value: Any, limit: int = 300) -> str:
    """Untrusted text for a table cell: one line, no control characters, bounded length."""
    text = _CONTROL.sub(" ", "" if value is None else str(value)).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def md(value: Any, limit: int = 300) -> str:
    """Untrusted text for markdown: one line, every markdown/HTML character escaped."""
    return _MD_SPECIAL.sub(r"\\\1", plain(value, limit))


def emit_document_events(documents: Sequence[NewDocument]) -> int:
    """One `tealeaves.document.landed` event per new document (sent as each source lands, so a large first
    run never queues them all at once); returns how many were emitted."""
    for doc in documents:
        emit_event(
            event=DOCUMENT_LANDED,
            resource={"prefect.resource.id": f"tealeaves.document.{doc.doc_id}", "tealeaves.source": doc.source},
            payload={"doc_id": doc.doc_id, "source": doc.source, "url": doc.url, "title": doc.title},
        )
    return len(documents)


def emit_completed(summary: IngestSummary) -> None:
    """The event that triggers the `analyze` deployment when there is something new."""
    emit_event(
        event=INGEST_COMPLETED,
        resource={
            "prefect.resource.id": f"tealeaves.ingest.{summary.run_id}",
            "prefect.resource.name": "tealeaves ingest",
            "tealeaves.has-new-documents": "true" if summary.has_new else "false",
        },
        payload={
            "run_id": summary.run_id,
            "db": summary.db,
            "documents_new": summary.documents_new,
            "seeds_new": summary.seeds_new,
            "sources_ok": len(summary.sources_ok),
            "sources_failed": len(summary.sources_failed),
            "failures": summary.failures,
        },
    )


def _more_rows(count: int) -> list[dict[str, Any]]:
    if count <= TABLE_ROWS:
        return []
    more = f"… and {count - TABLE_ROWS:,} more: `tealeaves new` or SQL on the warehouse lists them all"
    return [{"title": more, "source": "", "url": "", "comments": 0}]


def _when(value: Any) -> str:
    return value.isoformat(timespec="seconds") if isinstance(value, datetime) else plain(value)


def publish_artifacts(
    summary: IngestSummary, failures: list[dict[str, Any]], health: list[dict[str, Any]], poll_interval: float
) -> None:
    """Tables of new documents, failures and source health, and a markdown summary."""
    create_table_artifact(
        key=NEW_DOCUMENTS_KEY,
        table=[
            {
                "title": plain(d.title),
                "source": plain(d.source),
                "url": plain(d.url, 500),
                "comments": d.comment_count,
            }
            for d in summary.new_documents[:TABLE_ROWS]
        ]
        + _more_rows(len(summary.new_documents))
        or [{"title": "(no new documents)", "source": "", "url": "", "comments": 0}],
        description=f"Documents landed by run {summary.run_id}",
    )
    create_table_artifact(
        key=FAILURES_KEY,
        table=[
            {
                "source": plain(f["source"]),
                "stage": f["stage"],
                "kind": f["kind"],
                "url": plain(f["url"], 500),
                "reason": plain(f["message"], 500),
            }
            for f in failures
        ]
        or [{"source": "", "stage": "", "kind": "", "url": "", "reason": "(no failures)"}],
        description=f"Failures recorded by run {summary.run_id}",
    )
    now = datetime.now(UTC)
    create_table_artifact(
        key=HEALTH_KEY,
        table=[
            {
                "source": plain(h["source"]),
                "status": plain(h["status"]),
                "last_success": _when(h["last_success_at"]),
                "consecutive_failures": h["consecutive_failures"],
                "next_poll": _when(h.get("next_poll_at") or now + timedelta(seconds=poll_interval)),
                "documents": h["documents"],
                "last_error": plain(h["last_error"]),
            }
            for h in health
        ],
        description="Per-source health after this run",
    )
    lines = [
        f"# tealeaves ingest {md(summary.run_id)}",
        "",
        f"- **{summary.documents_new}** new documents, **{summary.seeds_new}** seed texts loaded",
        f"- sources ok: {len(summary.sources_ok)}, failed: {len(summary.sources_failed)}",
        f"- failures recorded: {summary.failures}",
        f"- warehouse: `{plain(summary.db)}`",
    ]
    if summary.sources_failed:
        lines += ["", "## Failed sources", ""]
        lines += [f"- **{md(name)}**: {md(reason)}" for name, reason in summary.sources_failed.items()]
    if summary.new_documents:
        lines += ["", "## New", ""]
        lines += [f"- {md(d.title)} ({md(d.source)}, {d.comment_count} comments)" for d in summary.new_documents[:50]]
    create_markdown_artifact(key=SUMMARY_KEY, markdown="\n".join(lines), description="Ingest summary")


MENTIONS_TABLE_KEY = "tealeaves-mentions-by-week"
MENTIONS_CHART_KEY = "tealeaves-mentions-chart"
ANALYSIS_SUMMARY_KEY = "tealeaves-analysis-summary"


def publish_analysis(summary: str, trends: list[Any], chart: Path | None) -> None:
    """The analysis run's artifacts: a summary, mentions per week of the most mentioned entities, and a
    link to the chart (an HTML page with an SVG chart, written beside the warehouse)."""
    create_markdown_artifact(key=ANALYSIS_SUMMARY_KEY, markdown=f"# tealeaves analysis\n\n{md(summary, 2000)}")
    rows = [
        {
            "entity": plain(t.entity),
            "kind": plain(t.kind),
            "week": str(p["period"]),
            "mentions": p["mentions"],
            "documents": p["documents"],
            "outlets": p["outlets"],
            "in_comments": p["comment_mentions"],
        }
        for t in trends
        for p in t.periods
    ]
    create_table_artifact(
        key=MENTIONS_TABLE_KEY,
        table=rows
        or [
            {
                "entity": "(no mentions yet)",
                "kind": "",
                "week": "",
                "mentions": 0,
                "documents": 0,
                "outlets": 0,
                "in_comments": 0,
            }
        ],
        description="Mentions per week of the most mentioned entities",
    )
    if chart is not None:
        create_link_artifact(
            key=MENTIONS_CHART_KEY,
            link=chart.resolve().as_uri(),
            link_text="Mentions over time (chart)",
            description=f"Open in a browser on the machine that ran the analysis: {chart.resolve()}",
        )
