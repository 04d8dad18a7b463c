"""A site's older pieces from its sitemaps: robots.txt ``Sitemap:`` lines, else ``/sitemap.xml``; sitemap
indexes, gzip and Google News sitemaps (``news:publication_date``) are read by ultimate-sitemap-parser.

usp never downloads on its own: it is handed ``FetcherClient``, its web-client interface on top of our
``Fetcher`` (a ``PoliteFetcher`` in a backfill), so every sitemap request is guarded, capped, polite and sent
with tealeaves' User-Agent. A gzipped sitemap is inflated here, within the fetch policy's size cap (usp would
allow 100 MB), and each answer is checked for entity tricks as feeds are before usp parses it; a
walk reads at most ``max_documents`` sitemap documents, so a site with thousands of daily sitemaps costs a
bounded number of requests. usp's own retries are turned off (every error is final): a busy site is asked
again by the next backfill, not hammered by this one.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from urllib.parse import urlsplit

from usp.fetch_parse import SitemapFetcher
from usp.objects.sitemap import AbstractSitemap, InvalidSitemap
from usp.web_client.abstract_client import (
    AbstractWebClient,
    AbstractWebClientResponse,
    AbstractWebClientSuccessResponse,
    WebClientErrorResponse,
)

from extractors import errors
from extractors.feeds import check_entities
from extractors.fetch import Fetcher, FetchResult, Hop
from extractors.politeness import PoliteFetcher
from extractors.urls import host_of

SITEMAP_ACCEPT = "application/xml, text/xml;q=0.9, application/x-gzip;q=0.8, text/plain;q=0.5, */*;q=0.1"
FALLBACK_PATH = "sitemap.xml"  # tried when robots.txt lists no sitemap
_EPOCH = datetime.min.replace(tzinfo=UTC)
GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class Found:
    """A page a sitemap lists, with its date when the sitemap gives one."""

    url: str
    published_at: datetime | None  # news:publication_date, else lastmod (UTC)
    title: str | None = None  # news:title


@dataclass
class SitemapWalk:
    """What reading a site's sitemaps found, the requests it made, and what went wrong on the way."""

    pages: list[Found] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)  # the sitemap documents read
    hops: list[Hop] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # one line per sitemap that could not be read


class _Answer(AbstractWebClientSuccessResponse):
    """One of our fetch results as usp reads a response."""

    def __init__(self, result: FetchResult) -> None:
        self._result = result

    def status_code(self) -> int:
        return self._result.status

    def status_message(self) -> str:
        return "OK"

    def header(self, case_insensitive_name: str) -> str | None:
        return self._result.headers.get(case_insensitive_name.lower())

    def raw_data(self) -> bytes:
        return self._result.body

    def url(self) -> str:
        return self._result.url


class _Text(AbstractWebClientSuccessResponse):
    """A text we already hold (robots.txt, read once with the politeness rules) as usp reads a response."""

    def __init__(self, url: str, text: str) -> None:
        self._url, self._text = url, text

    def status_code(self) -> int:
        return 200

    def status_message(self) -> str:
        return "OK"

    def header(self, case_insensitive_name: str) -> str | None:
        return "text/plain" if case_insensitive_name.lower() == "content-type" else None

    def raw_data(self) -> bytes:
        return self._text.encode("utf-8")

    def url(self) -> str:
        return self._url


class FetcherClient(AbstractWebClient):
    """usp's web client on top of our Fetcher: the only way usp reaches the network in tealeaves."""

    def __init__(self, fetcher: Fetcher, walk: SitemapWalk, *, max_documents: int) -> None:
        self.fetcher = fetcher
        self.walk = walk
        self.max_documents = max_documents

    def set_max_response_data_length(self, max_response_data_length: int | None) -> None:
        """Ignored: our fetch policy's size cap applies to every request."""

    def get(self, url: str) -> AbstractWebClientResponse:
        """GET ``url`` through our client; every failure is final (usp retries only what we call retryable)."""
        if urlsplit(url).path == "/robots.txt" and isinstance(self.fetcher, PoliteFetcher):
            text, hops = self.fetcher.robots_txt(url)
            self.walk.hops.extend(hops)
            if text is None:
                return WebClientErrorResponse(f"{url}: no robots.txt rules to read sitemaps from", retryable=False)
            return _Text(url, text)
        if len(self.walk.sitemaps) >= self.max_documents:
            message = f"{url}: not read: this backfill already read {self.max_documents} sitemaps (the limit)"
            self.walk.problems.append(message)
            return WebClientErrorResponse(message, retryable=False)
        self.walk.sitemaps.append(url)
        try:
            result = self.fetcher.get(url, accept=SITEMAP_ACCEPT)
            self.walk.hops.extend(result.hops)
            result = replace(result, body=gunzipped(result.body, result.url, self.fetcher.policy.max_bytes))
            check_entities(result.body, result.url, result.headers)
        except errors.ExtractorError as exc:
            self.walk.hops.extend(exc.hops)
            self.walk.problems.append(str(exc))
            return WebClientErrorResponse(str(exc), retryable=False)
        return _Answer(result)


def gunzipped(body: bytes, url: str, limit: int) -> bytes:
    """``body`` inflated when it is gzip data (a ``.xml.gz`` sitemap), never to more than ``limit`` bytes."""
    if not body.startswith(GZIP_MAGIC):
        return body
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(body, limit + 1)
    except zlib.error as exc:
        raise errors.UnsupportedContent(f"{url}: a gzipped sitemap that does not inflate ({exc})", url=url) from exc
    if len(out) > limit:
        raise errors.TooLarge(
            f"{url}: the sitemap inflates to more than the {limit:,}-byte cap; "
            "raise TEALEAVES_MAX_BYTES if this site is legitimate",
            url=url,
        )
    return out


def _utc(when: datetime | None) -> datetime | None:
    if when is None:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _same_site(url: str, site: str) -> bool:
    return host_of(url).removeprefix("www.") == host_of(site).removeprefix("www.")


def _pages(tree: AbstractSitemap, site: str) -> list[Found]:
    found: list[Found] = []
    for page in tree.all_pages():
        if not _same_site(page.url, site):  # the sitemaps protocol lists a site's own pages only
            continue
        story = page.news_story
        published = _utc(story.publish_date if story else None) or _utc(page.last_modified)
        found.append(Found(page.url, published, story.title if story else None))
    return found


def read_sitemaps(fetcher: Fetcher, site: str, *, max_documents: int) -> SitemapWalk:
    """Every page the site's sitemaps list (robots.txt ``Sitemap:`` lines, else ``/sitemap.xml``), each
    URL once with its newest date; unreadable sitemaps are in ``problems``, never raised."""
    walk = SitemapWalk()
    client = FetcherClient(fetcher, walk, max_documents=max_documents)
    parts = urlsplit(site)
    home = f"{parts.scheme}://{parts.netloc}/"
    trees: Sequence[AbstractSitemap] = [SitemapFetcher(home + "robots.txt", 0, client).sitemap()]
    if not any(True for tree in trees if not isinstance(tree, InvalidSitemap) for _ in tree.all_sitemaps()):
        trees = [SitemapFetcher(home + FALLBACK_PATH, 0, client, quiet_404=True).sitemap()]
    newest: dict[str, Found] = {}
    for tree in trees:
        for page in _pages(tree, site):
            known = newest.get(page.url)
            if known is None or (known.published_at or _EPOCH) < (page.published_at or _EPOCH):
                newest[page.url] = page
    walk.pages = list(newest.values())
    return walk
