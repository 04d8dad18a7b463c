"""What an ingest run is given, built once from the settings, and the run without Prefect.

The ``ingest`` flow (``flows.ingest``) and ``ingest_without_prefect`` below run the same pipeline with the
same inputs; they differ only in how feeds are polled (task runs with retries, or plain calls) and in
whether events are sent.
"""

from __future__ import annotations

import logging
import math
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from extractors import errors
from extractors.fetch import FetchPolicy
from extractors.harvest import FeedPoll
from extractors.politeness import PolitenessPolicy
from extractors.robots import RobotsCache, RobotsFile
from extractors.seeds import SeedText, read_seed_corpus
from extractors.sources import Source, load_sources
from flows.cadence import CadencePolicy
from flows.fetching import PageFetcher
from flows.pipeline import (
    EventSink,
    IngestSummary,
    NoEvents,
    Poller,
    PollFuture,
    Progress,
    RunLimits,
    no_progress,
    run_ingest,
)
from flows.poll_budget import poll_within_budget, retry_worth_it
from flows.settings import Settings
from flows.store import Store, open_store
from warehouse.records import RobotsRow
from warehouse.state import BackoffPolicy


@dataclass(frozen=True)
class RunInputs:
    """Everything an ingest run needs besides its poller and event sink."""

    db: Path
    sources: tuple[Source, ...]
    policy: FetchPolicy
    politeness: PolitenessPolicy
    page_concurrency: int
    extraction_processes: int
    extraction_timeout: float
    seeds: Sequence[SeedText]
    limits: RunLimits
    backoff: BackoffPolicy
    polling: CadencePolicy
    lock_wait: float

    def policy_for(self, source: Source) -> FetchPolicy:
        """The fetch policy of ``source``'s requests: its own User-Agent and extra headers, if it has them."""
        if source.user_agent is None and not source.headers:
            return self.policy
        return replace(
            self.policy, user_agent=source.user_agent or self.policy.user_agent, extra_headers=source.headers
        )

    def politeness_for(self, source: Source) -> PolitenessPolicy:
        """The politeness of ``source``'s page fetches: its own delay between requests to a host, if it has one."""
        if source.host_delay is None:
            return self.politeness
        return replace(self.politeness, min_delay=source.host_delay)

    def page_fetcher(self, robots: RobotsCache) -> PageFetcher:
        """The run's page fetcher, sharing ``robots`` (the run's robots.txt cache) among its sources."""
        return PageFetcher(
            self.policy_for,
            self.politeness_for,
            concurrency=self.page_concurrency,
            processes=self.extraction_processes,
            extraction_timeout=self.extraction_timeout,
            robots=robots,
        )

    def open_store(self) -> AbstractContextManager[Store]:
        """The warehouse opened as its one writer, with this run's backoff and polling policies."""
        return open_store(self.db, wait=self.lock_wait, backoff=self.backoff, polling=self.polling)

    def run(
        self, *, run_id: str, force: bool, poll: Poller, events: EventSink, progress: Progress | None, log: Any
    ) -> FinishedRun:
        """Open the warehouse as its one writer and run the pipeline over these inputs."""
        with self.open_store() as store:
            robots = _robots_cache(store, self.politeness.robots_ttl)
            pages = self.page_fetcher(robots)
            summary = run_ingest(
                store,
                self.sources,
                run_id=run_id,
                db=str(self.db),
                seeds=self.seeds,
                force=force,
                limits=self.limits,
                poll=poll,
                fetch_pages=pages,
                events=events,
                progress=progress or no_progress,
                log=log,
            )
            store.keep_robots_files([RobotsRow(f.origin, f.outcome, f.body, f.fetched_at) for f in robots.new_files()])
            return FinishedRun(summary, store.run_failures(run_id), store.source_health())


def _robots_cache(store: Store, ttl: float) -> RobotsCache:
    """The run's robots.txt cache, seeded with the answers the warehouse kept that are still fresh."""
    since = datetime.now(UTC) - timedelta(seconds=ttl)
    kept = store.robots_files(fetched_after=since)
    return RobotsCache(ttl, [RobotsFile(r.origin, r.outcome, r.body, r.fetched_at) for r in kept])


@dataclass(frozen=True)
class FinishedRun:
    """A run's summary, with its failures and every source's health as the warehouse has them after it."""

    summary: IngestSummary
    failures: list[dict[str, Any]]
    health: list[dict[str, Any]]


def run_inputs(
    settings: Settings, sources_path: str | None, db: str | None, source_names: Sequence[str] | None
) -> RunInputs:
    """The inputs of a run from the settings; the sources file and the seed corpus are read here, before the
    warehouse is opened, so a bad one is refused without touching it (ConfigError)."""
    config = load_sources(Path(sources_path) if sources_path else settings.sources)
    policy = settings.fetch_policy(config.allow_hosts)
    return RunInputs(
        db=Path(db) if db else settings.db,
        sources=tuple(config.with_settings_rules(s) for s in config.select(list(source_names or []))),
        policy=policy,
        politeness=settings.politeness_policy(),
        page_concurrency=settings.page_concurrency,
        extraction_processes=settings.extraction_processes,
        extraction_timeout=settings.extraction_timeout,
        seeds=read_seed_corpus(settings.seed_dir, settings.seed_manifest),
        limits=settings.run_limits(),
        backoff=settings.backoff_policy(),
        polling=settings.cadence_policy(),
        lock_wait=settings.lock_wait,
    )


def plain_poller(
    policy_for: Callable[[Source], FetchPolicy],
    pool: Executor,
    *,
    retries: int = 0,
    retry_delay: float = 0.0,
    budget: float = math.inf,
) -> Poller:
    """Polls as plain calls on ``pool``, retried as the flow's ``poll-feed`` task is (flows/poll_budget.py):
    up to ``retries`` times after a transient error, a timeout once, all within ``budget`` seconds."""

    def poll(source: Source, etag: str | None, last_modified: str | None) -> PollFuture:
        def one() -> FeedPoll:
            ends_at = time.time() + budget
            attempts = 0
            while True:
                attempts += 1
                try:
                    return poll_within_budget(
                        source, policy_for(source), etag, last_modified, ends_at=ends_at, budget=budget
                    )
                except errors.TransientError as exc:
                    if attempts > retries or not retry_worth_it(exc, attempts):
                        raise
                time.sleep(min(retry_delay, max(0.0, ends_at - time.time())))

        future: Future[FeedPoll] = pool.submit(one)
        return future

    return poll


def ingest_without_prefect(
    sources_path: str | None = None,
    db: str | None = None,
    source_names: Sequence[str] | None = None,
    *,
    force: bool = False,
    progress: Progress | None = None,
    settings: Settings | None = None,
) -> IngestSummary:
    """The ingest run with orchestration bypassed: the same pipeline, plain polls, no events or artifacts."""
    settings = settings or Settings()
    inputs = run_inputs(settings, sources_path, db, source_names)
    with ThreadPoolExecutor(max_workers=settings.sources_in_flight, thread_name_prefix="poll") as pool:
        finished = inputs.run(
            run_id=str(uuid.uuid4()),
            force=force,
            poll=plain_poller(
                inputs.policy_for,
                pool,
                retries=settings.task_retries,
                retry_delay=settings.retry_delay,
                budget=settings.source_budget,
            ),
            events=NoEvents(),
            progress=progress,
            log=logging.getLogger("tealeaves.ingest"),
        )
    return finished.summary
