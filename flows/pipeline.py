"""The ingest pipeline as plain code: seeds, plan, poll, fetch, land, with its collaborators as arguments.

``run_ingest`` takes the store it writes (``flows.store``), a poller (the Prefect adapter's polls are task
runs with retries; the benchmark's are plain calls), a page fetcher, an event sink and a progress reporter.
Which source moves next is decided by ``flows.admission.Window``; what a polled source must fetch by
``flows.plan``; what its batch holds by ``flows.batches``. Nothing here imports Prefect.

Threads: polls finish on the poller's threads and pages are fetched on this module's pool; both hand their
results to the calling thread through one queue, and only the calling thread touches the warehouse.
"""

from __future__ import annotations

import queue
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Protocol

from extractors import errors as x
from extractors.harvest import FeedPoll, Page
from extractors.models import FeedEntry, PollHints
from extractors.seeds import SeedText
from extractors.sources import Source, site_of
from flows import plan
from flows.admission import Window
from flows.batches import SEED_SOURCE, feed_failure_batch, seed_documents, source_batch
from flows.store import Log, Store
from warehouse.errors import LandingError
from warehouse.records import SourceBatch


@dataclass(frozen=True)
class NewDocument:
    """A document a run stored, as artifacts and events show it."""

    doc_id: str
    title: str | None
    source: str
    url: str | None
    comment_count: int


@dataclass
class IngestSummary:
    """What one run did, for the CLI, artifacts and events."""

    run_id: str
    db: str
    seeds_new: int = 0
    documents_new: int = 0
    sources_ok: list[str] = field(default_factory=list)
    sources_failed: dict[str, str] = field(default_factory=dict)  # name -> reason
    sources_waiting: dict[str, str] = field(default_factory=dict)  # name -> why it was not polled this run
    new_documents: list[NewDocument] = field(default_factory=list)
    failures: int = 0

    @property
    def has_new(self) -> bool:
        """True when the run stored a document or a seed text (the analysis has work)."""
        return self.documents_new + self.seeds_new > 0

    def as_dict(self) -> dict[str, Any]:
        """The summary as JSON-ready data (``--json``, the flow's result in the UI)."""
        return asdict(self)


@dataclass(frozen=True)
class RunLimits:
    """How much of a run is in flight at once; built from the settings."""

    sources_in_flight: int
    pages_in_flight: int
    max_new_per_source: int
    release_every: int  # bytes of raw pages landed between two returns of the warehouse's memory


class PollFuture(Protocol):
    """A feed poll under way: a Prefect future or a ``concurrent.futures.Future``."""

    def add_done_callback(self, fn: Callable[[Any], None]) -> None: ...

    def result(self) -> Any: ...


Poller = Callable[[Source, str | None, str | None], PollFuture]  # (source, etag, last_modified)
PageFetcher = Callable[[Source, Sequence[FeedEntry]], list[tuple[FeedEntry, Page]]]
Progress = Callable[[str, str, str], None]  # (event, source name, detail)


class EventSink(Protocol):
    """Where a run reports what it stored (Prefect events in the flow; nothing in the benchmark)."""

    def documents_landed(self, documents: Sequence[NewDocument]) -> None: ...


class NoEvents:
    """An event sink that sends nothing."""

    def documents_landed(self, documents: Sequence[NewDocument]) -> None:
        """Send nothing."""


def no_progress(event: str, source: str, detail: str) -> None:
    """A progress reporter that shows nothing."""


@dataclass
class _Polled:
    """A polled source on its way to landing: what it fetches, and what lands with its pages."""

    poll: FeedPoll
    entries: plan.EntryPlan


def load_seeds(store: Store, seeds: Sequence[SeedText], log: Log) -> int:
    """Land the seed corpus (once: texts already stored are left as they are); returns how many were new."""
    store.register_sources([(SEED_SOURCE, None, None)])
    new = store.land_seeds(seed_documents(seeds))
    log.info("seed corpus: %d texts, %d new", len(seeds), len(new))
    return len(new)


def run_ingest(
    store: Store,
    sources: Sequence[Source],
    *,
    run_id: str,
    db: str,
    seeds: Sequence[SeedText],
    force: bool,
    limits: RunLimits,
    poll: Poller,
    fetch_pages: PageFetcher,
    events: EventSink,
    progress: Progress = no_progress,
    log: Log,
    backfill: bool = False,
) -> IngestSummary:
    """One ingest run: the seed corpus, then every due source polled, its new pages fetched and landed in
    one transaction per source. Failures are recorded, never raised; the run is recorded in ``runs``.

    With ``backfill`` the poller's "feed" is what older pieces were found (``flows.history``): its batches
    land without touching the source's feed state (validators, health) or its next poll."""
    started = datetime.now(UTC)
    summary = IngestSummary(run_id=run_id, db=db)
    summary.seeds_new = load_seeds(store, seeds, log)
    store.register_sources([(s.name, s.feed, site_of(s)) for s in sources])
    store.start_run(run_id)
    due, summary.sources_waiting = plan.due_sources(store, sources, force=force)
    for name, why in summary.sources_waiting.items():
        log.info("%s: not polled (%s)", name, why)
    _Run(store, summary, limits, poll, fetch_pages, events, progress, log, started, backfill=backfill).through(due)
    store.finish_run(
        run_id,
        sources_ok=len(summary.sources_ok),
        sources_failed=len(summary.sources_failed),
        documents_new=summary.documents_new,
    )
    log.info(
        "run %s: %d new documents; %d sources ok, %d failed",
        run_id,
        summary.documents_new,
        len(summary.sources_ok),
        len(summary.sources_failed),
    )
    return summary


class _Run:
    """The loop of one run: start what the window allows, take what finished, land in order."""

    def __init__(
        self,
        store: Store,
        summary: IngestSummary,
        limits: RunLimits,
        poll: Poller,
        fetch_pages: PageFetcher,
        events: EventSink,
        progress: Progress,
        log: Log,
        started: datetime,
        *,
        backfill: bool = False,
    ) -> None:
        self.store, self.summary, self.limits, self.backfill = store, summary, limits, backfill
        self.started = started
        self.poll, self.fetch_pages, self.events, self.progress, self.log = poll, fetch_pages, events, progress, log
        self.done: queue.Queue[tuple[str, str, PollFuture]] = queue.Queue()
        self.polled: dict[str, _Polled] = {}
        self.batches: dict[str, SourceBatch] = {}
        self.hints: dict[str, PollHints] = {}  # what each answered poll said about the next one
        self.landed_bytes = 0

    def through(self, due: Sequence[Source]) -> None:
        """Run every source in ``due`` through poll, fetch and landing."""
        by_name = {s.name: s for s in due}
        window = Window(by_name, sources=self.limits.sources_in_flight, pages=self.limits.pages_in_flight)
        remembered = self.store.source_states(list(by_name))  # read once: a source changes only when it lands
        with ThreadPoolExecutor(max_workers=self.limits.sources_in_flight, thread_name_prefix="pages") as pages:
            try:
                while not window.done:
                    # Landing first: it frees room in the window for polls and in the page budget for fetches.
                    for name in window.to_land():
                        self._land(name, self.batches.pop(name))
                        window.landed(name)
                    for name in window.to_poll():
                        state = remembered[name]
                        future = self.poll(by_name[name], state.etag, state.last_modified)
                        future.add_done_callback(self._tell("polled", name))
                    for name in window.to_fetch():
                        entries = self.polled[name].entries.fetch
                        pages.submit(self.fetch_pages, by_name[name], entries).add_done_callback(
                            self._tell("fetched", name)
                        )
                    if not window.done:
                        self._take(window, by_name)
            finally:
                pages.shutdown(cancel_futures=True)

    def _tell(self, stage: str, name: str) -> Callable[[Any], None]:
        return lambda future: self.done.put((stage, name, future))

    def _take(self, window: Window, by_name: dict[str, Source]) -> None:
        """Wait for the next poll or fetch to finish and tell the window."""
        stage, name, future = self.done.get()
        source = by_name[name]
        if stage == "polled":
            self.progress("polled", name, "")
            outcome, retry_after = self._polled(source, future)
            if isinstance(outcome, SourceBatch):
                window.settled(name)
                self._land(name, outcome, retry_after)
            else:
                self.polled[name] = outcome
                window.polled(name, len(outcome.entries.fetch))
            return
        polled = self.polled.pop(name)
        try:
            fetched = future.result()
        except Exception as exc:  # a bug in page handling must not lose the other sources
            error = x.ExtractorError(f"{source.feed}: page stage failed: {type(exc).__name__}: {exc}")
            self.batches[name] = feed_failure_batch(name, error, source.feed)
        else:
            failed = sum(1 for _, page in fetched if page.error is not None)
            self.log.info("%s: %d pages read, %d failed", name, len(fetched) - failed, failed)
            self.batches[name] = source_batch(name, polled.poll, fetched, polled.entries)
        window.fetched(name)

    def _polled(self, source: Source, future: PollFuture) -> tuple[_Polled | SourceBatch, float | None]:
        """What came of a poll: the source's plan, or the batch that settles it now (a failed poll, with the
        Retry-After a busy server gave, or a 304)."""
        try:
            poll: FeedPoll = future.result()
        except x.ExtractorError as exc:
            retry_after = exc.retry_after if isinstance(exc, x.ServerBusy) else None
            return feed_failure_batch(source.name, exc, source.feed), retry_after
        self.hints[source.name] = poll.hints
        if poll.status == 304:
            self.log.info("%s: feed not modified (304); no pages fetched", source.name)
            return source_batch(source.name, poll, [], plan.EntryPlan()), None
        entries = plan.new_entries(self.store, source, poll, self.limits.max_new_per_source)
        total = len(poll.feed.entries) if poll.feed else 0
        self.log.info("%s: %d entries in feed, %d new", source.name, total, len(entries.fetch))
        return _Polled(poll, entries), None

    def _land(self, name: str, batch: SourceBatch, retry_after: float | None = None) -> None:
        """Write one source's batch, schedule its next poll (not after a backfill), and report it."""
        summary = self.summary
        hints = self.hints.pop(name, None)
        if self.backfill:
            batch = replace(batch, backfill=True)
        try:
            landed = self.store.land(summary.run_id, batch)
        except LandingError as exc:
            self.store.record_landing_failure(summary.run_id, name, exc, self.log)
            self._schedule(name, retry_after)
            summary.sources_failed[name] = str(exc)
            summary.failures += 1
            self.log.error("%s", exc)
            self.progress("failed", name, str(exc))
            return
        self._schedule(name, retry_after, None if batch.feed_status == "failed" else hints)
        summary.failures += len(batch.failures)
        new_ids = set(landed.new_doc_ids)
        new = [
            NewDocument(d.doc_id, d.title, d.source, d.url, len(d.comments))
            for d in batch.documents
            if d.doc_id in new_ids
        ]
        summary.documents_new += len(new)
        summary.new_documents.extend(new)
        self.events.documents_landed(new)
        if batch.feed_status == "failed":
            summary.sources_failed[name] = batch.error or "failed"
            self.log.warning("%s failed: %s", name, batch.error)
            self.progress("failed", name, batch.error or "")
        else:
            summary.sources_ok.append(name)
            for failure in batch.failures:
                self.log.warning("%s: %s", name, failure.message)
            self.progress("landed", name, f"{len(new)} new")
        self._release(batch)

    def _schedule(self, name: str, retry_after: float | None, hints: PollHints | None = None) -> None:
        if self.backfill:  # a backfill did not poll the feed: its schedule stays as the last poll left it
            return
        schedule = self.store.schedule_after_poll(name, retry_after=retry_after, hints=hints, started=self.started)
        if hints is not None and schedule.next_poll_at is not None:
            when = schedule.next_poll_at.isoformat(timespec="minutes")
            self.log.info("%s: next poll not before %s (%s)", name, when, schedule.reason)

    def _release(self, batch: SourceBatch) -> None:
        self.landed_bytes += sum(len(p.raw) for p in batch.raw_pages)
        if self.landed_bytes >= self.limits.release_every:  # keeps a long run's memory flat
            self.landed_bytes = 0
            self.store.release_memory(self.log)
