"""Plain records that extractors hand to the rest of tealeaves (no behaviour, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Comment:
    """One reader comment, in page order."""

    comment_no: int  # 1-based position on the page, in reading order
    parent_no: int | None  # comment_no of the parent; None for top-level comments and orphan replies
    depth: int  # 0 for a top-level comment
    author: str | None
    posted_at: datetime | None
    body: str
    by_post_author: bool = False  # the site marks the commenter as the article's author


@dataclass(frozen=True)
class Article:
    """What one page says: the body, its metadata and its reader comments, kept apart."""

    text: str
    title: str | None = None
    author: str | None = None
    published_at: datetime | None = None
    published_precision: str | None = None  # 'day', 'month', 'year' (None when there is no date)
    language: str | None = None
    canonical_url: str | None = None
    sitename: str | None = None
    comments: tuple[Comment, ...] = field(default_factory=tuple)
    comments_cut: str | None = None  # why the comment thread is incomplete (a parser limit), else None
    extractor: str = ""  # name and version of what produced this, e.g. 'trafilatura 2.3.1'


@dataclass(frozen=True)
class FeedEntry:
    """One item of a feed, before its page is fetched."""

    key: str  # stable identity within the source: guid, else link, else a hash of the entry
    guid: str | None
    url: str | None  # absolute http(s) link, resolved against the final feed URL; None if unusable
    title: str | None
    author: str | None
    published_at: datetime | None
    summary: str | None


@dataclass(frozen=True)
class FeedHints:
    """What a feed says about how often to poll it (RSS <ttl>, the syndication module, skipHours/skipDays)."""

    ttl_minutes: int | None = None
    update_period: str | None = None  # sy:updatePeriod: hourly | daily | weekly | monthly | yearly
    update_frequency: int | None = None  # sy:updateFrequency: updates per period (1 when absent)
    skip_hours: tuple[int, ...] = ()  # hours (0-23, GMT) in which the feed asks not to be read
    skip_days: tuple[str, ...] = ()  # days ('Monday' …, GMT) on which it asks not to be read


@dataclass(frozen=True)
class Feed:
    """A parsed feed: its entries plus what was odd about it."""

    title: str | None
    entries: tuple[FeedEntry, ...]
    warnings: tuple[str, ...] = ()
    hints: FeedHints = FeedHints()


@dataclass(frozen=True)
class PollHints:
    """What one answer to a feed poll (200 or 304) said about when to ask again."""

    max_age: float | None = None  # Cache-Control max-age, seconds
    no_store: bool = False  # Cache-Control no-store (or no-cache): the headers give no time to wait
    expires: datetime | None = None  # the Expires header
    date: datetime | None = None  # the Date header, against which Expires is read
    feed: FeedHints | None = None  # the feed's own hints; None on a 304 (no body was read)
