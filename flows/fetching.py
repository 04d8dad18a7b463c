"""A source's new pages: fetched politely on threads, read in the extraction processes as they arrive."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from extractors.fetch import FetchPolicy
from extractors.harvest import Page, download_page
from extractors.models import FeedEntry
from extractors.politeness import PoliteFetcher, PolitenessPolicy
from extractors.robots import RobotsCache
from extractors.sources import Source
from flows import extraction


class PageFetcher:
    """Fetches a source's pages ``concurrency`` at a time, within robots.txt and the per-host limits, and
    extracts each in the extraction processes as it arrives; failures come back as data (``Page.error``).

    Not a Prefect task: a task run per source costs the API server a few calls and events, and the source's
    poll task, the log and the artifacts already say what happened to it (bench/RESULTS.md)."""

    def __init__(
        self,
        policy: Callable[[Source], FetchPolicy],
        politeness: Callable[[Source], PolitenessPolicy],
        *,
        concurrency: int,
        processes: int,
        extraction_timeout: float,
        robots: RobotsCache,
    ) -> None:
        self.policy = policy  # per source: its own User-Agent and headers (``RunInputs.policy_for``)
        self.politeness = politeness  # per source: its own host delay (``RunInputs.politeness_for``)
        self.robots = robots  # shared by the sources of a run: a site's robots.txt is fetched once
        self.concurrency = max(1, concurrency)
        self.processes = processes
        self.extraction_timeout = extraction_timeout

    def __call__(self, source: Source, entries: Sequence[FeedEntry]) -> list[tuple[FeedEntry, Page]]:
        """Every entry with its page, in the order given."""
        if not entries:
            return []
        with (
            PoliteFetcher(self.policy(source), self.politeness(source), robots=self.robots) as fetcher,
            ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix=f"page-{source.name}") as pool,
        ):
            pages = list(pool.map(lambda e: self._read(download_page(fetcher, e.url or "")), entries))
        return list(zip(entries, pages, strict=True))

    def _read(self, page: Page) -> Page:
        return extraction.extract(page, self.processes, timeout=self.extraction_timeout)
