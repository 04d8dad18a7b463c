"""A feed's older pages, where the site offers them (WordPress answers ``?paged=N`` on its feed URL).

The walk reads the feed, then page 2, 3 … and stops at the first page that fails (a 404 is how WordPress
says there are no more), that lists nothing new (empty, or only entries earlier pages listed: a server that
ignores ``paged`` sends the first page again), that lists only entries older than ``since`` (pages run
newest first), once it holds ``wanted`` entries not stored yet (what one backfill fetches at most), or at
``max_pages``. A page whose entries are all stored does not end the walk: a backfill cut short by its limit
stored the newest pages, and the next one must go past them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from extractors import errors
from extractors.fetch import Fetcher, Hop
from extractors.harvest import poll_feed
from extractors.models import FeedEntry

PAGE_PARAMETER = "paged"

Unseen = Callable[[Sequence[FeedEntry]], int]  # how many of these entries are not stored yet


@dataclass
class FeedWalk:
    """What walking a feed's pages found, the requests it made, and why it stopped."""

    entries: list[FeedEntry] = field(default_factory=list)
    pages: int = 0  # pages read, the feed itself included
    hops: list[Hop] = field(default_factory=list)
    stopped: str = ""


def in_range(published_at: datetime | None, since: datetime | None) -> bool:
    """Whether a piece is kept: on or after ``since``; an undated one only when there is no ``since``."""
    return since is None or (published_at is not None and published_at >= since)


def page_url(feed_url: str, number: int) -> str:
    """The feed URL of page ``number`` (``?paged=N`` added to, or replaced in, its query)."""
    parts = urlsplit(feed_url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != PAGE_PARAMETER]
    query.append((PAGE_PARAMETER, str(number)))
    return urlunsplit(parts._replace(query=urlencode(query)))


def read_feed_pages(
    fetcher: Fetcher, feed_url: str, *, max_pages: int, since: datetime | None, unseen: Unseen, wanted: int
) -> FeedWalk:
    """The entries of the feed and of its older pages, each once; a failure of the feed itself is raised
    (ExtractorError), one of a later page ends the walk."""
    walk = FeedWalk()
    keys: set[str] = set()
    new = 0
    for number in range(1, max_pages + 1):
        url = feed_url if number == 1 else page_url(feed_url, number)
        try:
            poll = poll_feed(fetcher, url, etag=None, last_modified=None)
        except errors.ExtractorError as exc:
            if number == 1:
                raise
            walk.hops.extend(exc.hops)
            walk.stopped = f"page {number} could not be read ({exc})"
            return walk
        walk.pages = number
        walk.hops.extend(poll.hops)
        fresh = [e for e in (poll.feed.entries if poll.feed else ()) if e.key not in keys]
        keys.update(e.key for e in fresh)
        walk.entries.extend(fresh)
        if not fresh:
            walk.stopped = f"page {number} lists nothing new"
            return walk
        new += unseen([e for e in fresh if in_range(e.published_at, since)])
        if new >= wanted:
            walk.stopped = f"page {number}: {new} pieces not stored yet, as many as one backfill fetches"
            return walk
        if since is not None and not any(e.published_at is None or e.published_at >= since for e in fresh):
            walk.stopped = f"page {number} lists only pieces older than {since:%Y-%m-%d}"
            return walk
    walk.stopped = f"read {max_pages} pages (the limit)"
    return walk
