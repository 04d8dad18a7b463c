"""Turn what extractors/ found into the rows warehouse/ lands (the only place that knows both)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from extractors.errors import ExtractorError, ThreadCut
from extractors.fetch import Hop
from extractors.harvest import FeedPoll, Page
from extractors.identity import content_hash, doc_id_for
from extractors.models import FeedEntry
from extractors.seeds import SeedText
from flows.plan import EntryPlan
from warehouse.records import DocumentRow, EntryRow, FailureRow, FetchRow, RawPage, SourceBatch

SEED_SOURCE = "seed"


def fetch_rows(hops: Sequence[object], kind: str) -> list[FetchRow]:
    """One row per HTTP request made."""
    return [
        FetchRow(h.url, h.status, h.etag, h.last_modified, h.bytes, h.at, kind, h.elapsed_ms)
        for h in hops
        if isinstance(h, Hop)
    ]


def failure_row(stage: str, error: ExtractorError, url: str | None) -> FailureRow:
    """A failures row from an extractor error."""
    return FailureRow(url=error.url or url, stage=stage, kind=error.kind, message=str(error), at=datetime.now(UTC))


def seed_documents(seeds: Sequence[SeedText]) -> list[DocumentRow]:
    """The seed corpus as documents of origin 'seed'."""
    return [
        DocumentRow(
            doc_id=s.doc_id,
            origin="seed",
            source=SEED_SOURCE,
            url=None,
            title=s.parsed.title,
            author=None,
            published_at=s.published_at,
            published_precision=s.published_precision,
            language="en",
            body=s.parsed.body,
            content_hash=content_hash(s.parsed.body, s.parsed.title),
            comments=s.parsed.comments,
            subtitle=s.parsed.subtitle,
            extractor="tealeaves-plaintext",
        )
        for s in seeds
    ]


def feed_failure_batch(source: str, error: ExtractorError, feed_url: str) -> SourceBatch:
    """A source whose feed could not be polled: the failure, the requests made, nothing else."""
    return SourceBatch(
        source=source,
        feed_status="failed",
        fetches=fetch_rows(error.hops, "feed"),
        failures=[failure_row("feed", error, feed_url)],
        error=str(error),
    )


def _entry_document(source: str, entry: FeedEntry, page: Page) -> DocumentRow | None:
    article = page.article
    if article is None:
        return None
    title = article.title or entry.title
    return DocumentRow(
        doc_id=doc_id_for(page.canonical_url),
        origin="feed",
        source=source,
        url=page.canonical_url,
        title=title,
        author=article.author or entry.author,
        published_at=article.published_at or entry.published_at,
        published_precision=article.published_precision or ("day" if entry.published_at else None),
        language=article.language,
        body=article.text,
        content_hash=content_hash(article.text, title),
        comments=article.comments,
        sitename=article.sitename,
        feed_title=entry.title,
        extractor=article.extractor,
    )


def source_batch(source: str, poll: FeedPoll, pages: Sequence[tuple[FeedEntry, Page]], plan: EntryPlan) -> SourceBatch:
    """A polled source with its fetched pages and its settled entries, ready to land in one transaction.

    The feed's new validators (ETag, Last-Modified) are kept only when every new entry was dealt with: an
    entry left for a later run, or whose page failed in a way worth retrying, must be seen again, and a
    conditional poll answered 304 would hide it until the feed changes."""
    documents: list[DocumentRow] = []
    raw_pages: list[RawPage] = []
    entries: list[EntryRow] = list(plan.settled)
    fetches = fetch_rows(poll.hops, "feed")
    failures = [
        FailureRow(url=poll.url, stage="feed", kind="feed_warning", message=f"{poll.url}: {w}", at=datetime.now(UTC))
        for w in (poll.feed.warnings if poll.feed else ())
        if "not an http(s) URL" in w or "duplicate entry" in w
    ]
    failures.extend(plan.failures)
    retry = plan.deferred > 0
    for entry, page in pages:
        fetches.extend(fetch_rows(page.hops, "page"))
        doc = _entry_document(source, entry, page)
        if page.raw is not None:
            raw_pages.append(_raw_page(page, page.raw, doc))
        if page.encoding_note:
            failures.append(
                FailureRow(
                    page.url, "extract", "mixed_encoding", f"{page.url}: {page.encoding_note}", datetime.now(UTC)
                )
            )
        if page.article is not None and page.article.comments_cut:
            message = f"{page.url}: {page.article.comments_cut}"
            failures.append(FailureRow(page.url, "extract", ThreadCut.kind, message, datetime.now(UTC)))
        if doc is not None:
            documents.append(doc)
            entries.append(EntryRow(entry.key, entry.guid, page.canonical_url, doc.doc_id))
            continue
        error = page.error or ExtractorError(f"{page.url}: no article and no error", url=page.url)
        stage = "page" if page.raw is None else "extract"
        failures.append(failure_row(stage, error, page.url))
        if error.transient:
            retry = True
        else:
            # A permanent failure is settled: the entry is not fetched again (its raw page is kept).
            entries.append(EntryRow(entry.key, entry.guid, page.canonical_url, None))
    # An entry that points at a page another entry fetched is settled as that entry is (or waits with it).
    by_key = {row.entry_key: row for row in entries}
    entries.extend(
        EntryRow(alias.key, alias.guid, by_key[key].url, by_key[key].doc_id)
        for alias, key in plan.aliases
        if key in by_key
    )
    return SourceBatch(
        source=source,
        feed_status="ok" if poll.status != 304 else "not_modified",
        documents=documents,
        raw_pages=raw_pages,
        entries=entries,
        fetches=fetches,
        failures=failures,
        etag=None if retry else poll.etag,
        last_modified=None if retry else poll.last_modified,
    )


def _raw_page(page: Page, raw: bytes, doc: DocumentRow | None) -> RawPage:
    return RawPage(
        url=page.canonical_url,
        fetched_url=page.url,
        content_type=page.content_type,
        http_charset=page.charset,
        raw=raw,
        extractor=page.article.extractor if page.article else None,
        fetched_at=page.hops[-1].at if page.hops else datetime.now(UTC),
        doc_id=doc.doc_id if doc else None,
        encoding_note=page.encoding_note,
    )
