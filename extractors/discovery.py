"""Finding a site's feed: the URL itself, the feeds its page links, else the paths feeds usually live at.

A site page links its feeds with ``<link rel="alternate" type="application/rss+xml|atom+xml|feed+json">``;
``application/json`` is left out on purpose (WordPress links its REST API that way). Every candidate is
validated by fetching and parsing it; the main feed is preferred over a comments feed, and the feeds not
chosen are returned so a person can pick another."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from extractors import errors
from extractors.feeds import parse_feed
from extractors.fetch import FetchResult
from extractors.harvest import FEED_ACCEPT
from extractors.identity import canonical_url
from extractors.urls import resolve

FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/feed+json"})
# Where feeds live when a page links none, in the order they are tried: WordPress, common generators
# (Hugo's index.xml, Jekyll's feed.xml), Substack's /feed.
WELL_KNOWN_PATHS = ("/feed/", "/rss", "/feed.xml", "/atom.xml", "/index.xml", "/rss.xml", "/feed")
_COMMENTS = re.compile(r"comment", re.IGNORECASE)

Get = Callable[[str, str], FetchResult]  # (url, accept) -> the answer; raises an ExtractorError


@dataclass(frozen=True)
class FeedLink:
    """A feed a page links, or one found at a well-known path."""

    url: str
    title: str | None = None


@dataclass(frozen=True)
class Discovery:
    """What was found for a URL: the feed chosen, how, the site it belongs to and the feeds not chosen."""

    feed: str  # the feed's final URL, after redirects
    title: str | None  # the feed's own title
    site: str  # the page it was found on, else the feed's scheme and host
    how: str  # 'feed' (the URL is one), 'linked' (the page links it) or 'path' (found at a well-known path)
    others: tuple[FeedLink, ...] = ()


class _LinkCollector(HTMLParser):
    """Collects ``<link rel=alternate>`` feed links and ``<base href>`` while reading a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base: str | None = None
        self.links: list[FeedLink] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: (v or "") for k, v in attrs}
        if tag == "base" and self.base is None and values.get("href"):
            self.base = values["href"]
        elif tag == "link":
            rels = values.get("rel", "").lower().split()
            kind = values.get("type", "").split(";")[0].strip().lower()
            if "alternate" in rels and kind in FEED_TYPES and values.get("href", "").strip():
                self.links.append(FeedLink(values["href"].strip(), values.get("title", "").strip() or None))


def feed_links(html: bytes, page_url: str) -> list[FeedLink]:
    """The feeds an HTML page links, resolved against its ``<base href>`` or its URL, in page order, once each."""
    collector = _LinkCollector()
    collector.feed(html.decode("utf-8", "replace"))
    collector.close()
    base = resolve(page_url, collector.base) or page_url
    found: dict[str, FeedLink] = {}
    for link in collector.links:
        url = resolve(base, link.url)
        if url is not None:
            found.setdefault(canonical_url(url), FeedLink(url, link.title))
    return list(found.values())


def candidate_urls(site_url: str) -> list[str]:
    """The well-known feed paths on the site's host, in the order to try them."""
    parts = urlsplit(site_url)
    root = f"{parts.scheme}://{parts.netloc}/"
    return [urljoin(root, path) for path in WELL_KNOWN_PATHS]


def is_comments_feed(link: FeedLink) -> bool:
    """True for a comments feed (WordPress ``/comments/feed/``, "… Comments Feed"), not the site's stories."""
    parts = urlsplit(link.url)
    return bool(_COMMENTS.search(link.title or "") or _COMMENTS.search(parts.path + "?" + parts.query))


def main_first(links: list[FeedLink]) -> list[FeedLink]:
    """The links with comments feeds last, each group in page order."""
    return [link for link in links if not is_comments_feed(link)] + [link for link in links if is_comments_feed(link)]


def _as_feed(result: FetchResult) -> str | None:
    """The feed's title ('' when it has none) if the answer parses as a feed, else None (HostileFeed is raised)."""
    try:
        feed = parse_feed(result.body, url=result.url, headers=result.headers)
    except errors.NotAFeed:
        return None
    return feed.title or ""


def _probe(url: str, get: Get) -> tuple[str, str] | None:
    """(final URL, title) when ``url`` answers with a feed; None when it does not (4xx, not a feed, refused)."""
    try:
        result = get(url, FEED_ACCEPT)
    except errors.PermanentError:
        return None
    title = _as_feed(result)
    return None if title is None else (result.url, title)


def _site_root(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"


def discover(url: str, get: Get) -> Discovery:
    """The feed for ``url`` (a feed or a site page), validated by fetching and parsing it through ``get``.

    Raises NotAFeed saying what was tried when there is none, HostileFeed for a feed with entity tricks, and
    any error fetching ``url`` itself; a candidate that fails with a permanent error is passed over."""
    page = get(url, FEED_ACCEPT)
    title = _as_feed(page)
    if title is not None:
        return Discovery(page.url, title or None, _site_root(page.url), "feed")
    linked = main_first(feed_links(page.body, page.url))
    for link in linked:
        found = _probe(link.url, get)
        if found is not None:
            others = tuple(other for other in linked if other is not link)
            return Discovery(found[0], found[1] or link.title, page.url, "linked", others)
    for candidate in candidate_urls(page.url):
        found = _probe(candidate, get)
        if found is not None:
            return Discovery(found[0], found[1] or None, page.url, "path", tuple(linked))
    tried = ", ".join(WELL_KNOWN_PATHS)
    links_note = f"the {len(linked)} feed(s) it links do not parse" if linked else "it links no feed"
    raise errors.NotAFeed(
        f"{page.url}: no feed found: the page is not a feed, {links_note}, and none of {tried} answers with one; "
        "pass the feed's URL instead",
        url=page.url,
    )
