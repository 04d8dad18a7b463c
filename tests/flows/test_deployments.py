"""The real thing: `make serve` (a Prefect server on a free loopback port, the deployments of prefect.yaml,
a process worker), then schedule → ingest → completion event → triggered analyze → artifacts, all
asserted through the Prefect API."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest

from flows.reporting import FAILURES_KEY, HEALTH_KEY, INGEST_COMPLETED, NEW_DOCUMENTS_KEY, SUMMARY_KEY
from tests.conftest import REPO, write_sources
from tests.fixture_server import FixtureServer

pytestmark = pytest.mark.slow
TERMINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """A served Prefect: its API URL and the directory holding its home, logs and pids."""

    def __init__(self, api: str, directory: Path) -> None:
        self.api = api
        self.directory = directory

    def get(self, path: str) -> Any:
        response = httpx.get(self.api + path, timeout=30)
        response.raise_for_status()
        return response.json()

    def post(self, path: str, body: dict[str, Any]) -> Any:
        response = httpx.post(self.api + path, json=body, timeout=30)
        response.raise_for_status()
        return response.json()

    def deployment_id(self, name: str) -> str:
        return str(self.get(f"/deployments/name/{name}/{name}")["id"])

    def flow_runs(self, deployment: str) -> list[dict[str, Any]]:
        body = {"deployments": {"id": {"any_": [self.deployment_id(deployment)]}}, "sort": "EXPECTED_START_TIME_DESC"}
        return list(self.post("/flow_runs/filter", body))

    def wait_for_run(self, run_id: str, timeout: float = 240) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            run = self.get(f"/flow_runs/{run_id}")
            if run["state"]["type"] in TERMINAL:
                return dict(run)
            time.sleep(1)
        raise AssertionError(f"flow run {run_id} did not finish within {timeout:.0f} s; see {self.directory}")


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    directory = tmp_path_factory.mktemp("served-prefect")
    port = free_port()
    args = [f"SERVE_DIR={directory}", f"PREFECT_PORT={port}"]
    result = subprocess.run(
        ["make", "serve", *args], cwd=REPO, capture_output=True, text=True, timeout=420, check=False
    )
    try:
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        yield Server(f"http://127.0.0.1:{port}/api", directory)
    finally:
        subprocess.run(["make", "stop", *args], cwd=REPO, capture_output=True, timeout=60, check=False)


@pytest.fixture(scope="module")
def ingested(
    served: Server, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[dict[str, Any], Path, datetime]]:
    """One ingest run of the `ingest` deployment against the fixture web, run by the worker."""
    from tests.conftest import _site_routes

    site = FixtureServer(_site_routes())
    for route in site.routes.values():
        if hasattr(route, "body"):
            route.body = route.body.replace(b"{PORT}", str(site.port).encode())  # type: ignore[union-attr]
    tmp = tmp_path_factory.mktemp("served-ingest")
    sources = write_sources(tmp / "sources.toml", site)
    db = tmp / "w.duckdb"
    ingest_deployment = served.get("/deployments/name/ingest/ingest")
    started = datetime.now(UTC)
    run = served.post(
        f"/deployments/{ingest_deployment['id']}/create_flow_run",
        {"parameters": {"sources_path": str(sources), "db": str(db)}},
    )
    try:
        yield served.wait_for_run(run["id"]), db, started
    finally:
        site.close()


def test_deployments_come_from_prefect_yaml(served: Server) -> None:
    ingest_deployment = served.get("/deployments/name/ingest/ingest")
    assert ingest_deployment["schedules"][0]["schedule"]["interval"] == 1800.0
    assert ingest_deployment["work_pool_name"] == "tealeaves"
    assert ingest_deployment["global_concurrency_limit"]["limit"] == 1
    assert ingest_deployment["concurrency_options"]["collision_strategy"] == "ENQUEUE"
    analyze = served.get("/deployments/name/analyze/analyze")
    assert analyze["schedules"] == [] and analyze["work_pool_name"] == "tealeaves"


def test_ingest_event_analyze_artifacts(served: Server, ingested: tuple[dict[str, Any], Path, datetime]) -> None:
    run, db, started = ingested
    assert run["state"]["type"] == "COMPLETED", run["state"]

    artifacts = {
        a["key"]: json.loads(a["data"]) if a["type"] == "table" else a["data"]
        for a in served.post("/artifacts/filter", {"artifacts": {"flow_run_id": {"any_": [run["id"]]}}})
    }
    assert set(artifacts) >= {NEW_DOCUMENTS_KEY, FAILURES_KEY, HEALTH_KEY, SUMMARY_KEY}
    assert sorted(row["source"] for row in artifacts[NEW_DOCUMENTS_KEY]) == [
        "capital",
        "capital",
        "vesti",
        "weapons",
    ]
    assert {r["source"] for r in artifacts[FAILURES_KEY]} >= {"broken", "dead"}

    events: list[dict[str, Any]] = []
    deadline = time.monotonic() + 60
    while not events and time.monotonic() < deadline:
        page = served.post(
            "/events/filter",
            {"filter": {"event": {"name": [INGEST_COMPLETED]}, "occurred": {"since": started.isoformat()}}},
        )
        events = [e for e in page["events"] if e["payload"]["run_id"] == run["id"]]
        time.sleep(0.5)
    assert events, "the completion event was not recorded"
    (completed,) = events
    assert completed["payload"]["documents_new"] == 4
    assert completed["resource"]["tealeaves.has-new-documents"] == "true"

    analyze_runs: list[dict[str, Any]] = []
    deadline = time.monotonic() + 120
    while not analyze_runs and time.monotonic() < deadline:
        analyze_runs = [r for r in served.flow_runs("analyze") if r["parameters"].get("db") == str(db)]
        time.sleep(1)
    assert len(analyze_runs) == 1, "the completion event must trigger exactly one analyze run"
    analyzed = served.wait_for_run(analyze_runs[0]["id"])
    assert analyzed["state"]["type"] == "COMPLETED", analyzed["state"]
    assert analyzed["created_by"] and analyzed["created_by"]["type"] == "AUTOMATION"
    latency = datetime.fromisoformat(analyzed["start_time"]) - datetime.fromisoformat(completed["occurred"])
    print(f"\ncompletion event -> analyze run started: {latency.total_seconds():.1f} s")

    with duckdb.connect(str(db), read_only=True) as conn:
        processed = conn.execute("SELECT count(*) FROM mentions").fetchone()
    assert processed is not None and processed[0] > 0, "the triggered analysis must have run on this warehouse"


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (Debian package chromium)")
def test_the_ui_shows_the_run_and_its_artifacts(
    served: Server, ingested: tuple[dict[str, Any], Path, datetime], tmp_path: Path
) -> None:
    run, _, _ = ingested
    page = served.api.removesuffix("/api") + f"/v2/runs/flow-run/{run['id']}?tab=Artifacts"
    flags = [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        f"--user-data-dir={tmp_path / 'chromium'}", "--virtual-time-budget=15000", "--window-size=1400,900",
    ]  # fmt: skip
    assert CHROMIUM is not None
    dom = subprocess.run(
        [CHROMIUM, *flags, "--dump-dom", page], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    assert run["name"] in dom, "the flow run's name is not on its page"
    for key in (NEW_DOCUMENTS_KEY, FAILURES_KEY, HEALTH_KEY, SUMMARY_KEY):
        assert key in dom, f"artifact {key} is not on the run's Artifacts tab"
    shot = Path(os.environ.get("TEALEAVES_UI_SCREENSHOT", tmp_path / "flow-run.png"))
    subprocess.run([CHROMIUM, *flags, f"--screenshot={shot}", page], capture_output=True, timeout=120, check=True)
    assert shot.stat().st_size > 20_000, "the screenshot is (nearly) blank"
