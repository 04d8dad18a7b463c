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

from flows.reporting import (
    FAILURES_KEY,
    HEALTH_KEY,
    INGEST_COMPLETED,
    MENTIONS_CHART_KEY,
    MENTIONS_TABLE_KEY,
    NEW_DOCUMENTS_KEY,
    SUMMARY_KEY,
)
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

    def __init__(self, api: str, directory: Path, make_args: list[str]) -> None:
        self.api = api
        self.directory = directory
        self.make_args = make_args

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
    # A shorter zombie window than the default 90 s keeps the crash test short; heartbeats come every 30 s.
    args = [f"SERVE_DIR={directory}", f"PREFECT_PORT={port}", "ZOMBIE_AFTER=50"]
    result = subprocess.run(
        ["make", "serve", *args], cwd=REPO, capture_output=True, text=True, timeout=420, check=False
    )
    try:
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        yield Server(f"http://127.0.0.1:{port}/api", directory, args)
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
            route.body = route.body.replace(b"{PORT}", str(site.port).encode())
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
    assert analyze["schedules"] == []
    assert analyze["work_pool_name"] == "tealeaves"


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
    assert analyzed["created_by"]
    assert analyzed["created_by"]["type"] == "AUTOMATION"
    latency = datetime.fromisoformat(analyzed["start_time"]) - datetime.fromisoformat(completed["occurred"])
    print(f"\ncompletion event -> analyze run started: {latency.total_seconds():.1f} s")

    analysis_artifacts = {
        a["key"]: a
        for a in served.post("/artifacts/filter", {"artifacts": {"flow_run_id": {"any_": [analyzed["id"]]}}})
    }
    assert set(analysis_artifacts) >= {MENTIONS_TABLE_KEY, MENTIONS_CHART_KEY}
    assert analysis_artifacts[MENTIONS_CHART_KEY]["data"].startswith("[Mentions over time (chart)](file://")
    with duckdb.connect(str(db), read_only=True) as conn:
        processed = conn.execute("SELECT count(*) FROM mentions").fetchone()
    assert processed is not None
    assert processed[0] > 0, "the triggered analysis must have run on this warehouse"


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


def _trickle(handler: Any) -> None:
    """A page that takes minutes to arrive, so the run is still going when its worker is killed."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.send_header("Content-Length", "100000")
    handler.end_headers()
    try:
        for _ in range(600):
            handler.wfile.write(b" ")
            handler.wfile.flush()
            time.sleep(0.5)
    except OSError:
        pass


def test_a_killed_run_does_not_hold_the_slot(served: Server, tmp_path: Path) -> None:
    from tests.fixture_server import Route

    feed = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Slow</title>
<item><title>Slow piece</title><link>{BASE}/slow</link><guid>slow-1</guid></item></channel></rss>"""
    site = FixtureServer(
        {"/feed": Route(body=feed, headers={"Content-Type": "application/rss+xml"}), "/slow": _trickle}
    )
    sources = tmp_path / "sources.toml"
    sources.write_text(
        f'[settings]\nallow_hosts = ["127.0.0.1"]\n\n[[source]]\nname = "slow"\nfeed = "{site.url("/feed")}"\n',
        encoding="utf-8",
    )
    params = {"parameters": {"sources_path": str(sources), "db": str(tmp_path / "crash.duckdb")}}
    deployment = served.get("/deployments/name/ingest/ingest")["id"]
    try:
        first = served.post(f"/deployments/{deployment}/create_flow_run", params)
        deadline = time.monotonic() + 120
        while not site.requests_for("/slow") and time.monotonic() < deadline:
            time.sleep(0.5)
        assert site.requests_for("/slow"), "the first run never reached its page fetch"
        assert served.get(f"/flow_runs/{first['id']}")["state"]["type"] == "RUNNING"

        # SIGKILL the worker and the flow process it started (they share a process group).
        os.killpg(int((served.directory / "worker.pid").read_text().strip()), 9)
        subprocess.run(["make", "worker", *served.make_args], cwd=REPO, check=True, capture_output=True, timeout=60)

        site.routes["/slow"] = Route(body=b"<html><body><p>Quick now.</p></body></html>")
        second = served.post(f"/deployments/{deployment}/create_flow_run", params)
        finished = served.wait_for_run(second["id"], timeout=300)
        crashed = served.get(f"/flow_runs/{first['id']}")
    finally:
        site.close()
    assert crashed["state"]["type"] == "CRASHED", crashed["state"]
    assert finished["state"]["type"] == "COMPLETED", finished["state"]
    assert datetime.fromisoformat(finished["start_time"]) >= datetime.fromisoformat(crashed["state"]["timestamp"])
    waited = datetime.fromisoformat(finished["start_time"]) - datetime.fromisoformat(second["created"])
    print(f"\nnext run waited {waited.total_seconds():.0f} s for the killed run's slot")
