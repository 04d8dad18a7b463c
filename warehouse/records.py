"""Plain rows the warehouse accepts. Anything with these attributes will do (extractors' records
match the comment shape), so warehouse/ never imports extractors/."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


class CommentLike(Protocol):
    """A reader comment as the comments table stores it."""

    @property
    def comment_no(self) -> int: ...
    @property
    def parent_no(self) -> int | None: ...
    @property
    def depth(self) -> int: ...
    @property
    def author(self) -> str | None: ...
    @property
    def posted_at(self) -> datetime | None: ...
    @property
    def body(self) -> str: ...
    @property
    def by_post_author(self) -> bool: ...


@dataclass(frozen=True)
class DocumentRow:
    """A document ready to land; its word and comment counts are computed by the warehouse."""

    doc_id: str
    origin: str  # 'seed' | 'feed'
    source: str
    url: str | None
    title: str | None
    author: str | None
    published_at: datetime | None
    published_precision: str | None
    language: str | None
    body: str
    content_hash: str  # the text's identity (see extractors.identity): an exact copy is stored once
    comments: Sequence[CommentLike] = ()
    subtitle: str | None = None
    sitename: str | None = None
    feed_title: str | None = None
    extractor: str | None = None


@dataclass(frozen=True)
class RawPage:
    """The page bytes behind a document or a failed extraction."""

    url: str  # canonical
    fetched_url: str
    content_type: str | None
    http_charset: str | None
    raw: bytes
    extractor: str | None
    fetched_at: datetime
    doc_id: str | None = None
    encoding_note: str | None = None  # the page mixes encodings: what was found


@dataclass(frozen=True)
class EntryRow:
    """A feed entry that needs no fetching again (landed, or failed for good)."""

    entry_key: str
    guid: str | None
    url: str | None
    doc_id: str | None
    dropped_by: str | None = None  # the keep/block rule that dropped it (not fetched); None otherwise


@dataclass(frozen=True)
class FetchRow:
    """One HTTP request."""

    url: str
    status: int | None
    etag: str | None
    last_modified: str | None
    bytes: int
    fetched_at: datetime
    kind: str  # 'feed' | 'page'
    elapsed_ms: float


@dataclass(frozen=True)
class FailureRow:
    """One failure, with a reason a person can act on."""

    url: str | None
    stage: str  # config | feed | page | extract | land
    kind: str
    message: str
    at: datetime


@dataclass(frozen=True)
class SourceBatch:
    """Everything one source produced in one run; lands in one transaction."""

    source: str
    feed_status: str  # 'ok' | 'not_modified' | 'failed'
    documents: Sequence[DocumentRow] = ()
    raw_pages: Sequence[RawPage] = ()
    entries: Sequence[EntryRow] = ()
    fetches: Sequence[FetchRow] = ()
    failures: Sequence[FailureRow] = ()
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None  # the feed-level failure, if any
    backfill: bool = False  # older pieces found in sitemaps or feed pages: the feed's state is left as it is


@dataclass(frozen=True)
class Landed:
    """What a batch turned into."""

    new_doc_ids: tuple[str, ...] = ()
    duplicates: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # (url or doc id, existing doc_id)


@dataclass(frozen=True)
class RobotsRow:
    """A site's robots.txt answer, kept so it is fetched at most once per time-to-live."""

    origin: str
    outcome: str  # rules | no_rules | too_large
    body: str | None
    fetched_at: datetime
