"""One source's work as plain functions: poll its feed conditionally, fetch and extract a page."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from extractors import errors
from extractors.article import extract_article
from extractors.encoding import mixed_encoding
from extractors.feeds import parse_feed
from extractors.fetch import Fetcher, Hop, request_context
from extractors.identity import canonical_url
from extractors.models import Article, Feed, PollHints
from extractors.urls import host_of

FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, */*;q=0.5"
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1"
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml", "application/xml", "text/xml", ""})


@dataclass(frozen=True)
class FeedPoll:
    """A conditional GET of a feed: 304 (nothing new, nothing parsed) or the parsed feed."""

    url: str  # final URL after redirects
    status: int
    etag: str | None
    last_modified: str | None
    feed: Feed | None
    hops: tuple[Hop, ...]
    hints: PollHints = field(default_factory=PollHints)  # what the answer said about when to ask again


@dataclass(frozen=True)
class Page:
    """A fetched page and what came of it: an article, or the error that stopped it."""

    requested_url: str
    url: str  # final URL after redirects
    canonical_url: str
    article: Article | None
    raw: bytes | None
    content_type: str | None
    charset: str | None
    hops: tuple[Hop, ...]
    error: errors.ExtractorError | None = None
    encoding_note: str | None = None  # set when the page mixes encodings (see extractors.encoding)


def poll_feed(fetcher: Fetcher, feed_url: str, *, etag: str | None, last_modified: str | None) -> FeedPoll:
    """Fetch a feed with If-None-Match / If-Modified-Since; parse it unless the answer is 304."""
    result = fetcher.get(feed_url, etag=etag, last_modified=last_modified, accept=FEED_ACCEPT)
    if result.status == 304:
        return FeedPoll(result.url, 304, etag, last_modified, None, result.hops, poll_hints(result.headers))
    with request_context(result.url, result.hops):
        feed = parse_feed(result.body, url=result.url, headers=result.headers)
    hints = poll_hints(result.headers, feed)
    return FeedPoll(result.url, result.status, result.etag, result.last_modified, feed, result.hops, hints)


def _http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None  # "Expires: 0" and other invalid dates mean "already expired" (RFC 9111)
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def poll_hints(headers: Mapping[str, str], feed: Feed | None = None) -> PollHints:
    """What an answer's Cache-Control, Expires and Date headers (and the feed, when one was read) say."""
    lowered = {k.lower(): v for k, v in headers.items()}
    max_age: float | None = None
    no_store = False
    for directive in lowered.get("cache-control", "").split(","):
        name, _, value = directive.strip().partition("=")
        name = name.strip().lower()
        if name in ("no-store", "no-cache"):
            no_store = True
        elif name == "max-age":
            try:
                max_age = max(0.0, float(int(value.strip().strip('"'))))
            except ValueError:
                continue
    return PollHints(
        max_age=max_age,
        no_store=no_store,
        expires=_http_date(lowered.get("expires")),
        date=_http_date(lowered.get("date")),
        feed=feed.hints if feed else None,
    )


def _same_site(a: str, b: str) -> bool:
    return host_of(a).removeprefix("www.") == host_of(b).removeprefix("www.")


def fetch_page(fetcher: Fetcher, url: str) -> Page:
    """Fetch one article page as bytes and extract it; errors are returned in ``Page.error``, not raised."""
    return read_page(download_page(fetcher, url))


def download_page(fetcher: Fetcher, url: str) -> Page:
    """Fetch one page (I/O only): a Page with ``raw`` and no article yet, or with its error."""
    try:
        result = fetcher.get(url, accept=PAGE_ACCEPT)
    except errors.ExtractorError as exc:
        return Page(url, url, canonical_url(url), None, None, None, None, exc.hops, exc)
    base = Page(
        requested_url=url,
        url=result.url,
        canonical_url=canonical_url(result.url),
        article=None,
        raw=result.body,
        content_type=result.content_type,
        charset=result.charset,
        hops=result.hops,
        encoding_note=mixed_encoding(result.body, result.charset) if result.content_type in HTML_TYPES else None,
    )
    if result.content_type not in HTML_TYPES:
        unsupported = errors.UnsupportedContent(
            f"{result.url}: expected an HTML page, got {result.content_type}; not extracted", url=result.url
        )
        return Page(**{**base.__dict__, "raw": None, "error": unsupported})
    return base


def read_page(base: Page) -> Page:
    """Extract a downloaded page (CPU only; picklable in and out, so it can run in another process)."""
    if base.error is not None or base.raw is None:
        return base
    try:
        article = extract_article(base.raw, base.url, encoding=base.charset)
    except errors.ExtractorError as exc:
        return Page(**{**base.__dict__, "error": exc})
    except Exception as exc:  # extraction of hostile HTML must never take the source down with it
        error = errors.NoArticle(f"{base.url}: the extractor failed: {type(exc).__name__}: {exc}", url=base.url)
        return Page(**{**base.__dict__, "error": error})
    canonical = base.canonical_url
    # <link rel=canonical> is honoured within the same site only: a page must not claim another outlet's URL.
    if article.canonical_url and _same_site(article.canonical_url, base.url):
        canonical = canonical_url(article.canonical_url)
    return Page(**{**base.__dict__, "article": article, "canonical_url": canonical})
