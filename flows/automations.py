"""Server-side automations tealeaves relies on, created idempotently (`make serve` runs this module).

Zombie runs: a flow run whose process was killed (SIGKILL, machine loss) stays Running for ever and keeps
the ingest deployment's concurrency slot. With flow heartbeats on (PREFECT_FLOWS_HEARTBEAT_FREQUENCY),
this automation marks a run Crashed when its heartbeats stop, which frees the slot for the next run."""

from __future__ import annotations

import argparse
import asyncio
from datetime import timedelta

from prefect.automations import Automation
from prefect.client.schemas.objects import StateType
from prefect.events.actions import ChangeFlowRunState
from prefect.events.schemas.automations import EventTrigger, Posture
from prefect.events.schemas.events import ResourceSpecification

ZOMBIE_AUTOMATION = "tealeaves: crash zombie flow runs"


async def ensure_zombie_automation(crash_after: int) -> Automation:
    """Create (or replace) the automation that crashes a run silent for ``crash_after`` seconds
    (three heartbeat periods is a safe choice)."""
    try:
        existing = await Automation.aread(name=ZOMBIE_AUTOMATION)
    except ValueError:
        existing = None
    if existing is not None:
        await existing.adelete()
    return await Automation(
        name=ZOMBIE_AUTOMATION,
        description="Marks a flow run Crashed when its heartbeats stop, freeing its concurrency slot.",
        trigger=EventTrigger(
            after={"prefect.flow-run.heartbeat"},
            expect={
                "prefect.flow-run.heartbeat",
                "prefect.flow-run.Completed",
                "prefect.flow-run.Failed",
                "prefect.flow-run.Cancelled",
                "prefect.flow-run.Crashed",
            },
            match=ResourceSpecification({"prefect.resource.id": ["prefect.flow-run.*"]}),
            for_each={"prefect.resource.id"},
            posture=Posture.Proactive,
            threshold=1,
            within=timedelta(seconds=crash_after),
        ),
        actions=[
            ChangeFlowRunState(
                state=StateType.CRASHED,
                message=f"No heartbeat for {crash_after} s: the run's process is gone.",
            )
        ],
    ).acreate()


async def wait_for_server(timeout: float = 120.0) -> None:
    """Return once the configured Prefect API answers its health check."""
    from prefect.client.orchestration import get_client

    deadline = asyncio.get_running_loop().time() + timeout
    async with get_client() as client:
        while True:
            error = await client.api_healthcheck()
            if error is None:
                return
            if asyncio.get_running_loop().time() > deadline:
                raise SystemExit(f"the Prefect server did not come up within {timeout:.0f} s: {error}")
            await asyncio.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description="Create tealeaves' server-side automations.")
    parser.add_argument("--crash-after", type=int, default=90, help="seconds without a heartbeat")
    parser.add_argument("--wait-only", action="store_true", help="only wait until the server is healthy")
    args = parser.parse_args()
    asyncio.run(wait_for_server())
    if args.wait_only:
        return
    created = asyncio.run(ensure_zombie_automation(args.crash_after))
    print(f"automation ready: {created.name} ({created.id})")


if __name__ == "__main__":
    main()
