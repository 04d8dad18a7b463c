"""prefect.yaml is declarative and tested: it parses, reuses its definitions, and every entrypoint imports."""

from __future__ import annotations

import importlib
from pathlib import Path

import yaml
from prefect.flows import Flow

from flows.settings import Settings

REPO = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((REPO / "prefect.yaml").read_text(encoding="utf-8"))


def test_every_entrypoint_imports_as_a_flow() -> None:
    names = set()
    for deployment in CONFIG["deployments"]:
        path, _, attribute = deployment["entrypoint"].partition(":")
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        flow = getattr(module, attribute)
        assert isinstance(flow, Flow), deployment["entrypoint"]
        assert set(deployment.get("parameters", {})) <= set(flow.parameters.properties), deployment["name"]
        names.add(deployment["name"])
    assert names == {"ingest", "analyze", "backfill"}


def test_deployments_share_the_defined_pool_schedule_and_limit() -> None:
    pool = CONFIG["definitions"]["work_pools"]["tealeaves_pool"]
    by_name = {d["name"]: d for d in CONFIG["deployments"]}
    assert by_name["ingest"]["work_pool"] is pool
    assert by_name["analyze"]["work_pool"] is pool
    # The schedule and the setting that says when the next poll is due must agree.
    assert by_name["ingest"]["schedules"][0]["interval"] == Settings.model_fields["poll_interval"].default
    assert by_name["ingest"]["concurrency_limit"]["limit"] == 1
    assert "schedules" not in by_name["analyze"]
    # A backfill is run by hand, and writes the warehouse like an ingest: the same one-writer limit.
    assert by_name["backfill"]["work_pool"] is pool
    assert "schedules" not in by_name["backfill"]
    assert by_name["backfill"]["concurrency_limit"] is by_name["ingest"]["concurrency_limit"]


def test_analyze_is_triggered_by_a_completed_ingest_with_new_documents() -> None:
    from flows.reporting import INGEST_COMPLETED

    (trigger,) = {d["name"]: d for d in CONFIG["deployments"]}["analyze"]["triggers"]
    assert trigger["expect"] == [INGEST_COMPLETED]
    assert trigger["match"]["tealeaves.has-new-documents"] == "true"
