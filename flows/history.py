"""Backfill: a source's older pieces, found in its sitemaps or its feed's older pages, landed like feed entries.

A backfill run is ``run_ingest`` for one source whose "poll" is the discovery: the source's site's sitemaps
(``extractors.sitemaps``), else its feed's pages (``extractors.feed_pages``), read politely through the one
guarded client, become a feed of the pieces dated on or after ``since`` (an undated piece is kept only
without ``since``: a sitemap without dates lists the whole site). The pipeline then fetches those not stored
yet (by entry key or URL), at most the per-run limit, newest first, and lands them in one transaction
without touching the feed's state (validators, health, next poll). The run is recorded in ``runs``; running
the backfill again fetches what the limit left.

Discovery runs on the run's calling thread, the one that holds the warehouse, because a feed-page walk asks
the warehouse which entries are stored; a backfill has one source, so there is nothing to overlap it with.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any
from urllib.parse import urlsplit

from extractors.errors import ConfigError
from extractors.feed_pages import in_range, read_feed_pages
from extractors.harvest import FeedPoll
from extractors.identity import canonical_url, entry_key
from extractors.models import Feed, FeedEntry
from extractors.politeness import PoliteFetcher
from extractors.sitemaps import Found, read_sitemaps
from extractors.sources import Source
from flows.pipeline import EventSink, IngestSummary, NoEvents, Poller, PollFuture, Progress, no_progress, run_ingest
from flows.runs import FinishedRun, RunInputs, _robots_cache, run_inputs
from flows.settings import Settings
from flows.store import Store
from warehouse.records import RobotsRow

Log = logging.Logger | logging.LoggerAdapter[Any]


@dataclass
class Discovery:
    """Where a backfill looked and what it found there."""

    found_in: str = "nothing"  # 'sitemaps' | 'feed pages' | 'nothing'
    listed: int = 0  # pieces the sitemaps or feed pages listed
    kept: int = 0  # of those, dated on or after --since (all of them without it)
    sitemaps_read: int = 0
    feed_pages_read: int = 0
    stopped: str = ""  # why the feed-page walk ended
    problems: list[str] = field(default_factory=list)  # sitemaps that could not be read


@dataclass
class BackfillResult:
    """A backfill's run summary and what its discovery found."""

    summary: IngestSummary
    discovery: Discovery
    since: str | None
    limit: int  # pieces one backfill fetches at most

    def as_dict(self) -> dict[str, Any]:
        """The result as JSON-ready data (``--json``, the flow's result in the UI)."""
        return asdict(self)


@dataclass(frozen=True)
class BackfillLimits:
    """How far one backfill reads; built from the settings."""

    max_sitemaps: int
    max_feed_pages: int
    wanted: int  # the per-run limit: a feed-page walk that holds this many unstored pieces stops

    @classmethod
    def from_settings(cls, settings: Settings) -> BackfillLimits:
        """The limits the settings give."""
        return cls(settings.backfill_max_sitemaps, settings.backfill_max_feed_pages, settings.max_new_per_source)


def since_datetime(since: date | datetime | None) -> datetime | None:
    """``--since`` as the first instant of that day in UTC (a datetime without a zone is taken as UTC)."""
    if since is None:
        return None
    if isinstance(since, datetime):
        return since.replace(tzinfo=UTC) if since.tzinfo is None else since.astimezone(UTC)
    return datetime.combine(since, time.min, tzinfo=UTC)


def _entry(found: Found) -> FeedEntry:
    return FeedEntry(
        key=entry_key(None, found.url, {}),
        guid=None,
        url=found.url,
        title=found.title,
        author=None,
        published_at=found.published_at,
        summary=None,
    )


def _newest_first(entries: Sequence[FeedEntry]) -> tuple[FeedEntry, ...]:
    # The per-run limit keeps the head of the list: the newest pieces first, the undated ones last.
    epoch = datetime.min.replace(tzinfo=UTC)
    return tuple(sorted(entries, key=lambda e: e.published_at or epoch, reverse=True))


def discover(
    fetcher: PoliteFetcher,
    source: Source,
    *,
    since: datetime | None,
    limits: BackfillLimits,
    store: Store,
    found: Discovery,
    log: Log,
) -> FeedPoll:
    """The source's older pieces as a feed poll (status 200, no validators): from its sitemaps, else from its
    feed's pages; ``found`` is filled in on the way. A feed that cannot be read is raised (ExtractorError)."""
    # site_of drops a non-default port (it names the outlet); a request needs the whole origin.
    parts = urlsplit(source.site or source.feed)
    site = f"{parts.scheme}://{parts.netloc}/"
    walk = read_sitemaps(fetcher, site, max_documents=limits.max_sitemaps)
    found.sitemaps_read, found.problems = len(walk.sitemaps), walk.problems
    for problem in walk.problems:
        log.info("%s: %s", source.name, problem)
    hops = list(walk.hops)
    if walk.pages:
        found.found_in, found.listed = "sitemaps", len(walk.pages)
        entries = [_entry(page) for page in walk.pages]
    else:

        def unseen(listed: Sequence[FeedEntry]) -> int:
            pairs = [(e.key, canonical_url(e.url) if e.url else None) for e in listed]
            return len(store.unseen(source.name, pairs))

        pages = read_feed_pages(
            fetcher, source.feed, max_pages=limits.max_feed_pages, since=since, unseen=unseen, wanted=limits.wanted
        )
        hops.extend(pages.hops)
        found.found_in = "feed pages" if pages.entries else "nothing"
        found.listed, found.feed_pages_read, found.stopped = len(pages.entries), pages.pages, pages.stopped
        log.info("%s: no sitemap lists a page; read %d feed pages: %s", source.name, pages.pages, pages.stopped)
        entries = pages.entries
    kept = _newest_first([e for e in entries if in_range(e.published_at, since)])
    found.kept = len(kept)
    log.info("%s: %d pieces found in %s, %d kept", source.name, found.listed, found.found_in, found.kept)
    return FeedPoll(site, 200, None, None, Feed(title=None, entries=kept), tuple(hops))


def backfill_poller(
    fetcher: PoliteFetcher, *, since: datetime | None, limits: BackfillLimits, store: Store, found: Discovery, log: Log
) -> Poller:
    """A poller whose answer is the discovery, made on the calling thread (see the module)."""

    def poll(source: Source, etag: str | None, last_modified: str | None) -> PollFuture:
        future: Future[FeedPoll] = Future()
        try:
            future.set_result(discover(fetcher, source, since=since, limits=limits, store=store, found=found, log=log))
        except Exception as exc:  # the pipeline records an extractor error; anything else ends the run
            future.set_exception(exc)
        return future

    return poll


def run_backfill(
    inputs: RunInputs,
    limits: BackfillLimits,
    *,
    since: date | datetime | None,
    run_id: str,
    events: EventSink,
    progress: Progress | None,
    log: Log,
) -> tuple[BackfillResult, FinishedRun]:
    """Open the warehouse as its one writer and backfill the one source of ``inputs``."""
    if len(inputs.sources) != 1:
        raise ConfigError(f"a backfill takes one source, not {len(inputs.sources)}")
    start = since_datetime(since)
    found = Discovery()
    with inputs.open_store() as store:
        robots = _robots_cache(store, inputs.politeness.robots_ttl)
        pages = inputs.page_fetcher(robots)
        source = inputs.sources[0]
        fetcher = PoliteFetcher(inputs.policy_for(source), inputs.politeness_for(source), robots=robots)
        with fetcher:
            summary = run_ingest(
                store,
                inputs.sources,
                run_id=run_id,
                db=str(inputs.db),
                seeds=inputs.seeds,
                force=True,  # asked for by name: a source that is waiting or paused is backfilled all the same
                limits=inputs.limits,
                poll=backfill_poller(fetcher, since=start, limits=limits, store=store, found=found, log=log),
                fetch_pages=pages,
                events=events,
                progress=progress or no_progress,
                log=log,
                backfill=True,
            )
        store.keep_robots_files([RobotsRow(f.origin, f.outcome, f.body, f.fetched_at) for f in robots.new_files()])
        finished = FinishedRun(summary, store.run_failures(run_id), store.source_health())
    result = BackfillResult(summary, found, start.date().isoformat() if start else None, limits.wanted)
    return result, finished


def backfill_without_prefect(
    source: str,
    since: date | datetime | None = None,
    sources_path: str | None = None,
    db: str | None = None,
    *,
    progress: Progress | None = None,
    settings: Settings | None = None,
) -> BackfillResult:
    """The backfill with orchestration bypassed: the same pipeline, no events or artifacts."""
    settings = settings or Settings()
    inputs = run_inputs(settings, sources_path, db, [source])
    result, _ = run_backfill(
        inputs,
        BackfillLimits.from_settings(settings),
        since=since,
        run_id=str(uuid.uuid4()),
        events=NoEvents(),
        progress=progress,
        log=logging.getLogger("tealeaves.backfill"),
    )
    return result
