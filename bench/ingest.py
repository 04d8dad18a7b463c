"""Ingest speed side by side: tealeaves, tealeaves without Prefect, the floor and trafilatura's CLI.

Serves a benchmark world (``bench/world.py``: F sites x M articles on 127.0.0.1) and, in rounds, runs
each of these in a fresh process over the same pages, alternating their order from round to round so
machine load hits them alike; every figure shown is the median over the rounds:

  tealeaves     the ingest flow, run by Prefect against a Prefect server started once for the benchmark
                (the way a deployment runs), into a fresh warehouse
  bypassed      the same run function with the same inputs, polls as plain calls on threads: no flow, no
                tasks, no events or artifacts (``flows.runs.ingest_without_prefect``)
  floor         a bare script: httpx fetch + ``trafilatura.extract``, the same number of fetching
                threads handing extraction to one process per core, as the flow does; nothing stored
                (``bench/floor.py``). With ``--variants`` also ``floor`` (extraction in the threads)
  peer          trafilatura's own command line over the same URL list with the same parallelism

After each round's first ingests: a re-run with nothing new (requests counted by the world; tealeaves and
bypassed) and a re-run of tealeaves after the world publishes +5 % new articles. Then, once each, the scale runs
(tealeaves at 1,000 and 20,000 pages: peak RSS, warehouse bytes per document). Peak RSS is that of the
scenario's process tree (sampled every 0.2 s, and never below the process's own ``wait4`` high-water
mark), so extraction worker processes count. A scenario that outlives ``--child-timeout`` or outgrows
``--rss-limit`` is stopped and shown as such; it counts in no median.

    python bench/ingest.py                         # the full benchmark (what `make bench` runs)
    python bench/ingest.py --json                  # the same figures as JSON
    python bench/ingest.py --repeat 1 --scale 1000 # a quick look
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
for _path in (REPO, BENCH):  # the packages, and the sibling modules of this script
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from harness import Limits, PrefectServer, Run, WorldProcess, run_process  # noqa: E402
from stage_cpu import StageSampler  # noqa: E402
from trickle import TrickleServer  # noqa: E402

VARIANTS = ("tealeaves", "bypassed", "floor", "floor_processes", "peer")
# The floor with extraction in the fetching threads is slower than tealeaves (one core for everything) and is
# no bound to aim at; it runs on request only, so that the whole benchmark fits in ten minutes.
DEFAULT_VARIANTS = ("tealeaves", "bypassed", "floor_processes", "peer")
# The targets of the performance issue, each a ratio or figure taken in one run.
TARGET_FLOOR_RATIO = 1.15
TARGET_PEER_RATIO = 1.0
TARGET_RERUN_SHARE = 0.03
TARGET_PEAK_RSS_MB = 400.0
TARGET_BY_HAND_S = 5.0
TARGET_SLOW_FEED_RATIO = 1.1
TARGET_BENCH_MINUTES = 15.0
BY_HAND = "import sys; from flows.cli import main; sys.argv = ['tealeaves', *sys.argv[1:]]; main()"
PEER_CONFIG = """[DEFAULT]
DOWNLOAD_TIMEOUT = 60
MAX_FILE_SIZE = 20000000
MIN_FILE_SIZE = 10
# The world is one origin per site on 127.0.0.1: no politeness pause, no refusal of loopback addresses.
SLEEP_TIME = 0
USER_AGENTS =
COOKIE =
MAX_REDIRECTS = 2
SSRF_PROTECTION = off
INSECURE_SSL_FALLBACK = off
MIN_EXTRACTED_SIZE = 250
MIN_OUTPUT_SIZE = 1
MIN_OUTPUT_COMM_SIZE = 1
MAX_TREE_SIZE =
EXTRACTION_TIMEOUT = 0
MIN_DUPLCHECK_SIZE = 100
MAX_REPETITIONS = 2
EXTENSIVE_DATE_SEARCH = on
EXTERNAL_URLS = off
"""


# -- the bypassed path: the flow's own body without Prefect (runs in a child process) -----------------------


def plain_ingest(sources_path: str, db: str) -> dict[str, Any]:
    """The ingest run with orchestration bypassed: the same run function as the flow, with plain polls on a
    thread pool and no events or artifacts (``flows.runs.ingest_without_prefect``)."""
    from flows.runs import ingest_without_prefect

    return ingest_without_prefect(sources_path, db, force=True).as_dict()


# -- children: one scenario each, in a fresh process --------------------------------------------------------


def _warehouse_figures(db: str) -> dict[str, Any]:
    import duckdb

    with duckdb.connect(db, read_only=True) as conn:
        feed_docs, comments = conn.execute(
            "SELECT count(*), coalesce(sum(comment_count), 0) FROM documents WHERE origin = 'feed'"
        ).fetchone() or (0, 0)
    beside = [p for p in Path(db).parent.iterdir() if p.name.startswith(Path(db).stem) and p.suffix != ".lock"]
    others = sum(p.stat().st_size for p in beside if str(p) != db)  # the read-only snapshot, a WAL
    return {"feed_documents": feed_docs, "comments": comments, "db_bytes": os.path.getsize(db), "beside_bytes": others}


def _import_pipeline() -> None:
    import flows.runs  # noqa: F401


def _child(variant: str, options: dict[str, Any], result_path: Path) -> None:
    """Run one scenario and write its figures (JSON) to ``result_path``."""
    if variant == "tealeaves":
        from flows.ingest import ingest

        # Every run polls every source, as a scheduled run does once they are due.
        sampler = StageSampler().start()
        started = time.perf_counter()
        summary = ingest(sources_path=options["sources"], db=options["db"], force=True).as_dict()
        wall = time.perf_counter() - started
        result = {"wall_s": wall, "documents_new": summary["documents_new"], "failed": len(summary["sources_failed"])}
        result["stage_cpu_s"] = sampler.stop()
    elif variant == "bypassed":
        _import_pipeline()  # as the flow's modules are imported before its clock starts
        started = time.perf_counter()
        summary = plain_ingest(options["sources"], options["db"])
        wall = time.perf_counter() - started
        result = {"wall_s": wall, "documents_new": summary["documents_new"], "failed": len(summary["sources_failed"])}
    elif variant == "peer":
        from trafilatura import cli

        sys.argv = ["trafilatura", *options["argv"]]
        started = time.perf_counter()
        with contextlib.suppress(SystemExit):
            cli.main()
        result = {"wall_s": time.perf_counter() - started}
    elif variant == "calibrate":
        result = _calibrate(options)
    else:
        raise SystemExit(f"unknown variant {variant!r}")
    if "db" in options:
        result.update(_warehouse_figures(options["db"]))
    result_path.write_text(json.dumps(result), encoding="utf-8")


def _calibrate(options: dict[str, Any]) -> dict[str, Any]:
    """Single-thread CPU per page of tealeaves' extractor and of trafilatura.extract, on world pages."""
    import logging

    from floor import extract_tealeaves, extract_trafilatura
    from world_model import World, WorldSpec

    logging.disable(logging.ERROR)
    world = World(WorldSpec(options["feeds"], options["articles"], options["seed"]))
    pages = []
    for k in range(options["pages"]):
        site, number = k % len(world.sites), 1 + (k * 7) % options["articles"]
        base = f"http://127.0.0.1:{10000 + site}"
        found = world.page(site, world.path(site, number), base)
        assert found is not None
        pages.append((found[0], base + world.path(site, number)))
    times: dict[str, list[float]] = {"tealeaves": [], "trafilatura": []}
    order = [("tealeaves", extract_tealeaves), ("trafilatura", extract_trafilatura)]
    for rep in range(options["repeat"]):
        for name, extract in order if rep % 2 == 0 else reversed(order):
            started = time.process_time()
            for body, url in pages:
                extract(body, url)
            times[name].append((time.process_time() - started) / len(pages))
    sizes = sorted(len(body) for body, _ in pages)
    return {
        "ms_per_page": {name: 1000 * statistics.median(t) for name, t in times.items()},
        "comments_ms_per_page": 1000 * _comment_cpu(pages, options["repeat"]),
        "page_kb_median": sizes[len(sizes) // 2] / 1024,
        "pages": len(pages),
    }


def _comment_cpu(pages: list[tuple[bytes, str]], repeat: int) -> float:
    """Single-thread CPU seconds per page of reading the comment section (the page parsed beforehand)."""
    from extractors.article import parse_page
    from extractors.comments import read_comment_section

    trees = [parse_page(body) for body, _ in pages]
    runs = []
    for _ in range(repeat):
        used = 0.0
        for tree in [parse_page(body) for body, _ in pages]:  # a fresh tree: reading comments changes none
            if tree is None:
                continue
            started = time.process_time()
            read_comment_section(tree)
            used += time.process_time() - started
        runs.append(used / len(trees))
    return statistics.median(runs)


# -- the parent: rounds of scenarios ------------------------------------------------------------------------


class Bench:
    """The scenarios, run against one Prefect server and one world at a time."""

    def __init__(self, args: argparse.Namespace, workdir: Path, prefect: PrefectServer) -> None:
        self.args = args
        self.workdir = workdir
        self.prefect = prefect
        # Children share one bytecode cache in the work directory: a fresh process then imports in a
        # second or two instead of compiling Prefect again, and nothing is written beside the sources.
        self.env = {
            **os.environ,
            **prefect.env(),
            "PYTHONPATH": str(REPO),
            "PYTHONPYCACHEPREFIX": str(workdir / "pycache"),
        }
        self.env.pop("PYTHONDONTWRITEBYTECODE", None)
        # Every site of the world is on 127.0.0.1, one host to the per-host politeness gate: lift its limits
        # so each source gets the concurrency it has against real sites (politeness is a bound of its own,
        # shown apart).
        self.env["TEALEAVES_HOST_CONCURRENCY"] = str(args.feeds * args.page_concurrency)
        self.env["TEALEAVES_HOST_DELAY"] = "0"
        self.runs: dict[str, list[Run]] = {}
        self.workers = 0
        self.limits = Limits(seconds=args.child_timeout, rss_mb=args.rss_limit)

    def child(self, variant: str, **options: Any) -> Run:
        result = self.workdir / f"result-{uuid.uuid4().hex}.json"
        command = [sys.executable, str(Path(__file__).resolve()), "--child", variant, "--options", json.dumps(options)]
        return run_process([*command, "--result", str(result)], self.env, self.workdir, result, limits=self.limits)

    def record(self, name: str, run: Run) -> Run:
        self.runs.setdefault(name, []).append(run)
        if self.args.verbose:
            shown = {k: v for k, v in run.requests.items() if k.endswith(("200", "304", "404"))}
            print(
                f"  {name:<22} {run.wall_s:7.2f} s {run.tree_rss_mb:6.0f} MB {run.stopped or ''} {shown}",
                file=sys.stderr,
                flush=True,
            )
        return run

    def measured(self, world: WorldProcess, name: str, variant: str, **options: Any) -> Run:
        world.reset_stats()
        prefect_cpu = self.prefect.cpu_seconds()
        world_cpu = world.stats().get("cpu_s", 0.0)
        run = self.child(variant, **options)
        run.requests = world.stats()
        run.figures["world_cpu_s"] = run.requests.get("cpu_s", 0.0) - world_cpu
        after = self.prefect.cpu_seconds()
        if prefect_cpu is not None and after is not None and variant == "tealeaves":
            run.figures["prefect_server_cpu_s"] = after - prefect_cpu
        return self.record(name, run)

    def floor(self, world: WorldProcess, name: str, urls_file: Path, processes: int) -> Run:
        world.reset_stats()
        command = [sys.executable, str(BENCH / "floor.py"), str(urls_file), "--workers", str(self.workers)]
        command += ["--processes", str(processes), "--json"]
        run = run_process(command, self.env, self.workdir, None, json_stdout=True, limits=self.limits)
        run.requests = world.stats()
        return self.record(name, run)

    def round(self, world: WorldProcess, r: int, urls_file: Path) -> None:
        """One round: every first-ingest variant (order rotated), then tealeaves' two re-runs."""
        args = self.args
        kinds = [k for k in VARIANTS if k in args.variants]
        kinds = kinds[r % len(kinds) :] + kinds[: r % len(kinds)]
        dbs = {}
        for kind in kinds:
            if kind in ("tealeaves", "bypassed"):
                db = str(self.workdir / f"{kind}-{r}.duckdb")
                if not self.measured(world, f"first/{kind}", kind, sources=str(world.sources), db=db).stopped:
                    dbs[kind] = db
            elif kind == "floor":
                self.floor(world, "first/floor", urls_file, 0)
            elif kind == "floor_processes":
                self.floor(world, "first/floor_processes", urls_file, args.processes)
            else:
                world.reset_stats()
                argv = ["-i", str(urls_file), "--parallel", str(self.workers), "--config-file", str(self.peer_cfg)]
                run = self.child("peer", argv=argv)
                run.requests = world.stats()
                self.record("first/peer", run)
        new = max(1, round(args.grow * world.info["pages"]))
        for kind in [k for k in ("tealeaves", "bypassed") if k in dbs]:
            self.measured(world, f"rerun/{kind}", kind, sources=str(world.sources), db=dbs[kind])
            if kind != "tealeaves":
                continue
            self.by_hand(world, dbs[kind])  # a reader's `tealeaves ingest` with no Prefect server configured
            world.grow(new)
            run = self.measured(world, f"grown/{kind}", kind, sources=str(world.sources), db=dbs[kind])
            run.figures["expected_new"] = new
            world.reset()
        for path in self.workdir.glob(f"*-{r}.duckdb*"):  # keep the disk tidy; the figures are taken
            path.unlink(missing_ok=True)

    def by_hand(self, world: WorldProcess, db: str) -> None:
        """`tealeaves ingest` typed by a reader with no Prefect server configured, nothing new to fetch."""
        env = {k: v for k, v in self.env.items() if not k.startswith("PREFECT_API")}
        env["PREFECT_HOME"] = str(self.workdir / "by-hand-prefect")
        world.reset_stats()
        command = [sys.executable, "-c", BY_HAND, "ingest", "--sources", str(world.sources), "--db", db]
        run = run_process(command, env, self.workdir, None, limits=self.limits)
        run.requests = world.stats()
        self.record("rerun/by_hand", run)

    def slow_feed(self, world: WorldProcess) -> None:
        """A first ingest of the world plus one feed that never finishes answering (bench/trickle.py)."""
        trickle = TrickleServer()
        try:
            sources = self.workdir / "sources-slow.toml"
            extra = f'\n[[source]]\nname = "trickling"\nfeed = "{trickle.feed}"\n'
            sources.write_text(world.sources.read_text(encoding="utf-8") + extra, encoding="utf-8")
            db = str(self.workdir / "slow.duckdb")
            run = self.measured(world, "slow/tealeaves", "tealeaves", sources=str(sources), db=db)
            run.figures["trickling_requests"] = trickle.requests
        finally:
            trickle.close()
            world.reset()
            for path in self.workdir.glob("slow.duckdb*"):
                path.unlink(missing_ok=True)

    def run(self) -> dict[str, Any]:
        args = self.args
        timings: dict[str, float] = {}
        self.workers = args.feeds * args.page_concurrency
        self.peer_cfg = self.workdir / "trafilatura.cfg"
        self.peer_cfg.write_text(PEER_CONFIG, encoding="utf-8")
        started = time.perf_counter()
        calibration = self.child(
            "calibrate", feeds=args.feeds, articles=args.articles, seed=args.seed, pages=40, repeat=3
        ).figures
        timings["calibration_s"] = time.perf_counter() - started
        self.prefect.wait()
        timings["prefect_server_start_s"] = self.prefect.startup_s
        started = time.perf_counter()
        world = WorldProcess(args.feeds, args.articles, args.seed, self.workdir)
        try:
            urls_file = self.workdir / "urls.txt"
            urls = world.urls()
            urls_file.write_text("".join(u + "\n" for u in urls), encoding="utf-8")
            for r in range(args.repeat):
                print(f"round {r + 1}/{args.repeat} …", file=sys.stderr, flush=True)
                self.round(world, r, urls_file)
            if args.slow_feed:
                print("the world with one trickling feed added …", file=sys.stderr, flush=True)
                self.slow_feed(world)
            world_cpu = world.stats().get("cpu_s", 0.0)
        finally:
            world.close()
        timings["rounds_s"] = time.perf_counter() - started
        scale: dict[int, Run] = {}
        for pages in args.scale:
            print(f"scale: {pages:,} pages …", file=sys.stderr, flush=True)
            started = time.perf_counter()
            feeds = max(1, pages // args.articles)
            big = WorldProcess(feeds, args.articles, args.seed, self.workdir)
            try:
                db = str(self.workdir / f"scale-{pages}.duckdb")
                scale[pages] = self.measured(big, f"scale/{pages}", "tealeaves", sources=str(big.sources), db=db)
                for path in self.workdir.glob(f"scale-{pages}.duckdb*"):
                    path.unlink(missing_ok=True)
            finally:
                big.close()
            timings[f"scale_{pages}_s"] = time.perf_counter() - started
        if not set(DEFAULT_VARIANTS) <= set(args.variants) or not args.repeat:
            return {"partial": True, "runs": {k: [asdict(r) for r in v] for k, v in self.runs.items()}}
        return summarise(self, calibration, scale, timings, world_cpu)


# -- figures and the table ------------------------------------------------------------------------------------


def _median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def summarise(
    bench: Bench, calibration: dict[str, Any], scale: dict[int, Run], timings: dict[str, float], world_cpu: float
) -> dict[str, Any]:
    """Medians, ratios and targets, as the JSON output prints them. A run the watchdog stopped counts in
    no median; the table says so."""
    args = bench.args
    pages = args.feeds * args.articles
    runs = {name: [r for r in rs if not r.stopped] for name, rs in bench.runs.items()}
    stopped = {name: [r.stopped for r in rs if r.stopped] for name, rs in bench.runs.items()}

    def med(name: str, value: Any = lambda r: r.wall_s) -> float:
        return _median([value(r) for r in runs.get(name, [])])

    def ratio(a: str, b: str) -> float:
        """Taken round by round (the runs of one round share the machine's load), then the median."""
        pairs = zip(bench.runs.get(a, []), bench.runs.get(b, []), strict=False)
        return _median([x.wall_s / y.wall_s for x, y in pairs if not x.stopped and not y.stopped])

    first = {
        kind: {
            "wall_s": med(f"first/{kind}"),
            "pages_per_s": pages / med(f"first/{kind}"),
            "peak_rss_mb": med(f"first/{kind}", lambda r: r.tree_rss_mb),
            "walls": [round(r.wall_s, 2) for r in bench.runs.get(f"first/{kind}", [])],
            "stopped": stopped.get(f"first/{kind}", []),
        }
        for kind in VARIANTS
    }
    teal = runs.get("first/tealeaves", [])
    rerun = runs.get("rerun/tealeaves", [])
    grown = runs.get("grown/tealeaves", [])

    def requests(run: Run, *keys: str) -> float:
        return sum(run.requests.get(k, 0) for k in keys)

    result: dict[str, Any] = {
        "world": {
            "feeds": args.feeds,
            "articles_per_feed": args.articles,
            "pages": pages,
            "seed": args.seed,
            "page_kb_median": calibration["page_kb_median"],
        },
        "machine": {"cpus": os.cpu_count(), "load_avg_1m_at_end": os.getloadavg()[0]},
        "repeat": args.repeat,
        "concurrency": {
            "fetching_threads": bench.workers,
            "extraction_processes_in_floor": args.processes,
            "page_concurrency": args.page_concurrency,
        },
        "first": first,
        "first_documents_stored": med("first/tealeaves", lambda r: r.figures["feed_documents"]),
        "first_comments_stored": med("first/tealeaves", lambda r: r.figures["comments"]),
        "ratios": {
            # "floor" is the floor extracting on one process per core; "floor_threads" the optional variant
            "tealeaves_over_floor": ratio("first/tealeaves", "first/floor_processes"),
            "tealeaves_over_floor_threads": ratio("first/tealeaves", "first/floor"),
            "tealeaves_over_peer": ratio("first/tealeaves", "first/peer"),
            "tealeaves_over_bypassed": ratio("first/tealeaves", "first/bypassed"),
            "bypassed_over_floor": ratio("first/bypassed", "first/floor_processes"),
            "floor_threads_over_floor": ratio("first/floor", "first/floor_processes"),
        },
        "extraction_cpu_ms_per_page": calibration["ms_per_page"],
        "rerun_nothing_new": {
            "requests": _median(
                [requests(r, "feed 200", "feed 304", "page 200", "page 304", "robots 200", "other 404") for r in rerun]
            ),
            "feed_304": _median([requests(r, "feed 304") for r in rerun]),
            "feed_200": _median([requests(r, "feed 200") for r in rerun]),
            "pages": _median([requests(r, "page 200", "page 304") for r in rerun]),
            "wall_s": med("rerun/tealeaves"),
            "share_of_first": ratio("rerun/tealeaves", "first/tealeaves"),
            "bypassed_wall_s": med("rerun/bypassed"),
            "by_hand_wall_s": med("rerun/by_hand"),
            "documents_new": _median([r.figures["documents_new"] for r in rerun]),
        },
        "rerun_after_growth": {
            "new_articles": max(1, round(args.grow * pages)),
            "feed_requests": _median([requests(r, "feed 200", "feed 304") for r in grown]),
            "pages_fetched": _median([requests(r, "page 200") for r in grown]),
            "robots_requests": _median([requests(r, "robots 200") for r in grown]),
            "documents_new": _median([r.figures["documents_new"] for r in grown]),
            "wall_s": med("grown/tealeaves"),
            "share_of_first": ratio("grown/tealeaves", "first/tealeaves"),
        },
        "scale": {
            str(n): {
                "pages": n,
                "stopped": run.stopped,
                "documents_stored": run.figures.get("feed_documents", 0),
                "wall_s": run.wall_s,
                "pages_per_s": run.figures.get("feed_documents", 0) / run.wall_s if run.wall_s else 0.0,
                "peak_rss_mb": run.tree_rss_mb,
                "warehouse_bytes": run.figures.get("db_bytes", 0),
                "bytes_per_document": run.figures.get("db_bytes", 0) / max(1, run.figures.get("feed_documents", 0)),
            }
            for n, run in scale.items()
        },
        "warehouse_bytes_per_document_first": _median(
            [r.figures["db_bytes"] / max(1, r.figures["feed_documents"]) for r in teal]
        ),
        "beside_bytes_per_document_first": _median(
            [r.figures.get("beside_bytes", 0) / max(1, r.figures["feed_documents"]) for r in teal]
        ),
        "slow_feed": _slow_feed(bench, med("first/tealeaves")),
        "stage_cpu_s_first": _stage_cpu(teal, calibration),
        "world_server_cpu_s_first": _median([r.figures.get("world_cpu_s", 0.0) for r in teal]),
        "prefect_server_cpu_s_first": _median([r.figures.get("prefect_server_cpu_s", 0.0) for r in teal]),
        "world_server_cpu_s_total": world_cpu,
        "bench_seconds": timings,
    }
    rss = [s["peak_rss_mb"] for s in result["scale"].values()]
    share = result["rerun_nothing_new"]
    grew = result["rerun_after_growth"]
    result["targets"] = {
        "tealeaves_over_peer": _target(result["ratios"]["tealeaves_over_peer"], TARGET_PEER_RATIO),
        "tealeaves_over_floor": _target(result["ratios"]["tealeaves_over_floor"], TARGET_FLOOR_RATIO),
        "rerun_one_conditional_get_per_feed": {
            "value": f"{share['requests']:.0f} requests, {share['feed_304']:.0f} x 304, {share['pages']:.0f} pages",
            "target": f"{args.feeds} requests, all 304, 0 pages",
            "met": share["requests"] == args.feeds and share["feed_304"] == args.feeds and share["pages"] == 0,
        },
        "rerun_wall_share": _target(share["share_of_first"], TARGET_RERUN_SHARE),
        "growth_only_new_fetched": {
            "value": f"{grew['pages_fetched']:.0f} pages fetched, {grew['documents_new']:.0f} stored",
            "target": f"{grew['new_articles']} and {grew['new_articles']}",
            "met": grew["pages_fetched"] == grew["new_articles"] == grew["documents_new"],
        },
        "peak_rss_mb_at_scale": _target(max(rss) if rss else float("nan"), TARGET_PEAK_RSS_MB),
        "by_hand_nothing_new_s": _target(share["by_hand_wall_s"], TARGET_BY_HAND_S),
        "slow_feed_over_without": _target(result["slow_feed"]["over_without"], TARGET_SLOW_FEED_RATIO),
        "bench_minutes": _target(sum(timings.values()) / 60, TARGET_BENCH_MINUTES),
    }
    if any(s["stopped"] for s in result["scale"].values()):
        result["targets"]["peak_rss_mb_at_scale"]["met"] = False
    return result


def _stage_cpu(runs: list[Run], calibration: dict[str, Any]) -> dict[str, float]:
    """Median CPU seconds per stage over the first ingests; the workers' share split into article and
    comments by the calibration's single-thread figures."""
    stages = sorted({stage for r in runs for stage in r.figures.get("stage_cpu_s", {})})
    figures = {stage: _median([r.figures.get("stage_cpu_s", {}).get(stage, 0.0) for r in runs]) for stage in stages}
    workers = figures.pop("extract (workers)", 0.0)
    share = calibration["comments_ms_per_page"] / calibration["ms_per_page"]["tealeaves"]
    figures["extract: article (workers)"] = workers * (1 - share)
    figures["extract: comments (workers)"] = workers * share
    return figures


def _slow_feed(bench: Bench, without_s: float) -> dict[str, Any]:
    """The slow-feed run against the median first ingest of the same world without that feed."""
    slow = [r for r in bench.runs.get("slow/tealeaves", []) if not r.stopped]
    if not slow:
        return {"wall_s": float("nan"), "over_without": float("nan"), "trickling_requests": 0}
    return {
        "wall_s": slow[0].wall_s,
        "over_without": slow[0].wall_s / without_s,
        "trickling_requests": slow[0].figures.get("trickling_requests", 0),
        "documents_new": slow[0].figures.get("documents_new", 0),
    }


def _target(value: float, target: float) -> dict[str, Any]:
    return {"value": value, "target": f"<= {target}", "met": value <= target}


def _num(value: float, spec: str) -> str:
    return "-" if value != value else format(value, spec)  # NaN: no run finished


def print_table(r: dict[str, Any]) -> None:
    """The human-readable table."""
    w, first, ratios, c = r["world"], r["first"], r["ratios"], r["concurrency"]
    print(
        f"ingest benchmark: {w['feeds']} feeds x {w['articles_per_feed']} articles = {w['pages']:,} pages "
        f"(median page {w['page_kb_median']:.0f} KB, seed {w['seed']}), served on 127.0.0.1; medians of "
        f"{r['repeat']} rounds; {r['machine']['cpus']} CPUs, load {r['machine']['load_avg_1m_at_end']:.1f} at the end"
    )
    print(
        f"concurrency: {c['fetching_threads']} fetching threads ({w['feeds']} sources x {c['page_concurrency']} pages)"
    )
    print()
    header = f"{'first ingest':<44} {'wall s':>7} {'pages/s':>8} {'peak RSS MB':>12} {'tealeaves/this':>15}"
    print(header)
    print("-" * len(header))
    labels = {
        "tealeaves": ("tealeaves (Prefect flow)", None),
        "bypassed": ("tealeaves, orchestration bypassed", "tealeaves_over_bypassed"),
        "floor": ("floor: httpx + trafilatura, same threads", "tealeaves_over_floor_threads"),
        "floor_processes": (
            f"floor: httpx + trafilatura on {c['extraction_processes_in_floor']} processes",
            "tealeaves_over_floor",
        ),
        "peer": (f"peer: trafilatura CLI --parallel {c['fetching_threads']}", "tealeaves_over_peer"),
    }
    for kind, (label, key) in labels.items():
        row = first[kind]
        if not row["walls"]:
            continue  # not run (see --variants)
        shown = _num(ratios[key], ".2f") if key else "1.00"
        note = f"  ({len(row['stopped'])} stopped: {row['stopped'][0]})" if row["stopped"] else ""
        print(
            f"{label:<44} {_num(row['wall_s'], '.1f'):>7} {_num(row['pages_per_s'], '.1f'):>8} "
            f"{_num(row['peak_rss_mb'], '.0f'):>12} {shown:>15}{note}"
        )
    cal = r["extraction_cpu_ms_per_page"]
    print(
        f"\nextraction CPU per page, one thread: tealeaves {cal['tealeaves']:.1f} ms, trafilatura.extract "
        f"{cal['trafilatura']:.1f} ms ({cal['tealeaves'] / cal['trafilatura']:.2f}x); a first ingest stores "
        f"{_num(r['first_documents_stored'], '.0f')} documents, {_num(r['first_comments_stored'], '.0f')} comments"
    )
    print(
        f"Prefect's share: tealeaves / bypassed = {_num(ratios['tealeaves_over_bypassed'], '.2f')}; the Prefect "
        f"server used {_num(r['prefect_server_cpu_s_first'], '.1f')} s CPU during a first ingest"
    )
    stages = dict(r["stage_cpu_s_first"])
    stages["Prefect server"] = r["prefect_server_cpu_s_first"]
    stages["world server (serving the pages)"] = r["world_server_cpu_s_total"] / max(
        1, len(r["first"]["tealeaves"]["walls"]) * 4
    )
    total = sum(stages.values()) or 1.0
    print("CPU of a first ingest by stage (sampled; median of the Prefect-flow runs):")
    for stage, seconds in sorted(stages.items(), key=lambda kv: -kv[1]):
        per_page = 1000 * seconds / r["world"]["pages"]
        print(f"  {stage:<36} {seconds:7.1f} s  {100 * seconds / total:5.1f} %  {per_page:6.2f} ms/page")
    n, g = r["rerun_nothing_new"], r["rerun_after_growth"]
    print(
        f"re-run, nothing new: {_num(n['requests'], '.0f')} requests ({_num(n['feed_304'], '.0f')} x 304, "
        f"{_num(n['pages'], '.0f')} pages), {_num(n['wall_s'], '.2f')} s = {_num(100 * n['share_of_first'], '.1f')} % "
        f"of the first run (bypassed: {_num(n['bypassed_wall_s'], '.2f')} s; `tealeaves ingest` by hand, no "
        f"Prefect server configured: {_num(n['by_hand_wall_s'], '.2f')} s)"
    )
    print(
        f"re-run after +{g['new_articles']} new articles: {_num(g['feed_requests'], '.0f')} feed requests, "
        f"{_num(g['robots_requests'], '.0f')} robots.txt, {_num(g['pages_fetched'], '.0f')} pages fetched, "
        f"{_num(g['documents_new'], '.0f')} stored, "
        f"{_num(g['wall_s'], '.2f')} s = {_num(100 * g['share_of_first'], '.1f')} % of the first run"
    )
    print(
        f"warehouse: {_num(r['warehouse_bytes_per_document_first'] / 1024, '.1f')} KB per document after a first "
        f"ingest, and {_num(r['beside_bytes_per_document_first'] / 1024, '.1f')} KB more beside it (read-only snapshot)"
    )
    slow = r["slow_feed"]
    print(
        f"one trickling feed added: {_num(slow['wall_s'], '.1f')} s = {_num(slow['over_without'], '.2f')}x the first "
        f"ingest without it ({slow['trickling_requests']} requests to it, each given up at TEALEAVES_MIN_RATE)"
    )
    for s in r["scale"].values():
        if s["stopped"]:
            print(f"scale {s['pages']:>6,} pages (1 run): {s['stopped']}; peak RSS by then {s['peak_rss_mb']:.0f} MB")
            continue
        print(
            f"scale {s['pages']:>6,} pages (1 run): peak RSS {s['peak_rss_mb']:5.0f} MB, {s['wall_s']:6.1f} s "
            f"({s['pages_per_s']:.1f} pages/s), warehouse {s['warehouse_bytes'] / 2**20:.0f} MB = "
            f"{s['bytes_per_document'] / 1024:.1f} KB/document"
        )
    print()
    for name, t in r["targets"].items():
        value = t["value"] if isinstance(t["value"], str) else _num(t["value"], ".3f")
        print(f"target {name:<36} {'met' if t['met'] else 'NOT met':<8} ({value}; target {t['target']})")
    secs = r["bench_seconds"]
    parts = ", ".join(f"{k.removesuffix('_s').replace('_', ' ')} {v:.0f} s" for k, v in secs.items())
    print(f"\nbenchmark time: {parts} (the calibration runs while the Prefect server starts)")


# -- command line -----------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _workdir(keep: bool) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="tealeaves-bench-ingest-"))
    try:
        yield path
    finally:
        if keep:
            print(f"kept {path}", file=sys.stderr)
        else:
            shutil.rmtree(path, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark (or, with --child, one scenario of it)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--feeds", type=int, default=40)
    parser.add_argument("--articles", type=int, default=50, help="per feed")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="rounds (medians are shown)")
    parser.add_argument("--grow", type=float, default=0.05, help="share of new articles for the second re-run")
    parser.add_argument(
        "--scale",
        type=lambda s: [int(v) for v in s.split(",") if v],
        default=[1000, 20000],
        help="pages, comma-separated",
    )
    parser.add_argument(
        "--slow-feed",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also time a first ingest with one trickling feed added",
    )
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1, help="extraction processes in the floor")
    parser.add_argument(
        "--variants",
        type=lambda s: [v for v in s.split(",") if v],
        default=list(DEFAULT_VARIANTS),
        help=f"first-ingest variants to run, comma-separated, of {','.join(VARIANTS)} "
        f"(default: {','.join(DEFAULT_VARIANTS)}, what the table needs)",
    )
    parser.add_argument("--child-timeout", type=float, default=900, help="seconds before a scenario is stopped")
    parser.add_argument("--rss-limit", type=float, default=6000, help="MB of RSS at which a scenario is stopped")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--json-too", action="store_true", help="print the table, then the figures as JSON")
    parser.add_argument("--json-file", type=Path, help="also write the figures as JSON to this file")
    parser.add_argument("--keep", action="store_true", help="keep the working directory (warehouses, logs)")
    parser.add_argument("-v", "--verbose", action="store_true", help="show every run as it ends")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--options", help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child, json.loads(args.options), args.result)
        return 0
    from flows.settings import Settings

    args.page_concurrency = Settings().page_concurrency
    with _workdir(args.keep) as workdir:
        (workdir / "prefect").mkdir()
        prefect = PrefectServer(workdir / "prefect")
        print("starting a Prefect server …", file=sys.stderr, flush=True)
        prefect.launch()  # the calibration (CPU time per page, not wall) runs while it starts
        try:
            bench = Bench(args, workdir, prefect)
            result = bench.run()
        finally:
            prefect.stop()
    if args.json_file:
        args.json_file.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    if args.json or result.get("partial"):
        print(json.dumps(result, indent=2, sort_keys=True))
    else:
        print_table(result)
        if args.json_too:
            print("\nthe same figures as JSON:")
            print(json.dumps(result, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
