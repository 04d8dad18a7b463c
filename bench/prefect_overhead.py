"""Prefect's cost per task run on this machine, to choose the ingest flow's task granularity.

Runs one flow that submits N no-op tasks and one that calls the same function N times without Prefect,
in the same process, and prints the per-task overhead (median of --repeat runs).

    python bench/prefect_overhead.py --tasks 200 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time

os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="tealeaves-bench-prefect-"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

from prefect import flow, task
from prefect.cache_policies import NO_CACHE


def work(i: int) -> int:
    return i * 2


noop = task(work, name="noop", cache_policy=NO_CACHE)


@flow(name="overhead-submit")
def submit_many(n: int) -> float:
    started = time.perf_counter()
    futures = [noop.submit(i) for i in range(n)]
    for f in futures:
        f.result()
    return time.perf_counter() - started


@flow(name="overhead-call")
def call_many(n: int) -> float:
    started = time.perf_counter()
    for i in range(n):
        noop(i)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    t0 = time.perf_counter()
    submit_many(1)  # starts the ephemeral server once
    startup = time.perf_counter() - t0
    plain, submitted, called, flow_wall = [], [], [], []
    for _ in range(args.repeat):
        t = time.perf_counter()
        for i in range(args.tasks):
            work(i)
        plain.append(time.perf_counter() - t)
        t = time.perf_counter()
        submitted.append(submit_many(args.tasks))
        flow_wall.append(time.perf_counter() - t)
        called.append(call_many(args.tasks))
    n = args.tasks
    figures = {
        "tasks_per_flow": n,
        "first_flow_call_s (starts the ephemeral server)": round(startup, 2),
        "per_task_ms_submit": round(statistics.median(submitted) / n * 1000, 2),
        "per_task_ms_call": round(statistics.median(called) / n * 1000, 2),
        "per_task_ms_plain_function": round(statistics.median(plain) / n * 1000, 4),
        "flow_run_wall_s (submit flow, incl. start/finish)": round(statistics.median(flow_wall), 2),
    }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        for key, value in figures.items():
            print(f"{key:55} {value}")


if __name__ == "__main__":
    main()
