"""Artifacts written by an ingest run, read back through the Prefect API; untrusted text escaped."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from flows.ingest import ingest
from flows.reporting import FAILURES_KEY, HEALTH_KEY, NEW_DOCUMENTS_KEY, SUMMARY_KEY, md, plain
from tests.conftest import write_sources
from tests.fixture_server import FixtureServer


def test_markdown_escaping_neutralises_page_text() -> None:
    hostile = "<script>alert(1)</script> [click](javascript:x) **bold** `code`\n# heading"
    escaped = md(hostile)
    assert "<script>" not in escaped
    assert "](" not in escaped
    assert "\n" not in escaped
    assert escaped.startswith(r"\<script\>")
    assert plain("a\x00b\nc" + "x" * 400, 20) == "a b c" + "x" * 14 + "…"


async def _artifacts(flow_run_id: str) -> dict[str, Any]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    async with get_client() as client:
        found = await client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )
    # Table artifacts come back as JSON text, markdown as the text itself.
    return {str(a.key): json.loads(str(a.data)) if a.type == "table" else a.data for a in found}


@pytest.mark.usefixtures("prefect_harness")
def test_ingest_publishes_artifacts_with_stable_keys(site: FixtureServer, tmp_path: Path) -> None:
    sources = write_sources(tmp_path / "sources.toml", site)
    summary = ingest(sources_path=str(sources), db=str(tmp_path / "w.duckdb"))
    artifacts = asyncio.run(_artifacts(summary.run_id))
    assert set(artifacts) >= {NEW_DOCUMENTS_KEY, FAILURES_KEY, HEALTH_KEY, SUMMARY_KEY}
    assert sorted(r["source"] for r in artifacts[NEW_DOCUMENTS_KEY]) == ["capital", "capital", "vesti", "weapons"]
    assert {(r["source"], r["kind"]) for r in artifacts[FAILURES_KEY]} >= {
        ("broken", "not_a_feed"),
        ("dead", "connection_failed"),
    }
    by_source = {r["source"]: r for r in artifacts[HEALTH_KEY]}
    assert by_source["dead"]["consecutive_failures"] == 1
    assert by_source["capital"]["status"] == "ok"
    assert "**4** new documents" in artifacts[SUMMARY_KEY]
