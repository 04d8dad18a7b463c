"""Feed bytes to entries: feedparser on a byte stream, guarded against entity bombs, links resolved
against the final feed URL and filtered to http(s)."""

from __future__ import annotations

import calendar
import hashlib
import io
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import feedparser

from extractors import errors
from extractors.models import Feed, FeedEntry
from extractors.urls import resolve

# Entity declarations are where "billion laughs" style feeds hide; real feeds declare a handful of short
# ones (&nbsp; and friends) if any.
_ENTITY_DECL = re.compile(rb"<!ENTITY\s+(%\s*)?([^\s>]+)\s+(SYSTEM|PUBLIC|\"[^\"]*\"|'[^']*')", re.IGNORECASE)
MAX_ENTITY_VALUE = 64  # bytes in one declared entity's replacement text
MAX_ENTITIES = 64  # declarations in one document
_ENTITY_REF = re.compile(rb"&[A-Za-z_][\w.-]*;")


def check_entities(body: bytes, url: str) -> None:
    """Refuse, before any parsing, a document whose DTD could expand without bound or reach outside."""
    head = body[:1_000_000]
    if b"<!ENTITY" not in head.upper():
        return
    declarations = _ENTITY_DECL.findall(head)
    if len(declarations) > MAX_ENTITIES:
        raise errors.HostileFeed(
            f"{url}: declares {len(declarations)} XML entities (limit {MAX_ENTITIES}); refused before parsing",
            url=url,
        )
    for _percent, name, value in declarations:
        label = name.decode("ascii", "replace")
        if value.upper() in (b"SYSTEM", b"PUBLIC"):
            raise errors.HostileFeed(
                f"{url}: declares external entity {label!r}; external entities are never loaded", url=url
            )
        text = value[1:-1]
        if len(text) > MAX_ENTITY_VALUE or _ENTITY_REF.search(text):
            raise errors.HostileFeed(
                f"{url}: entity {label!r} is {len(text)} bytes or refers to other entities, which could "
                "expand without bound; refused before parsing",
                url=url,
            )


def _sniff(body: bytes) -> str:
    head = body.lstrip()[:512].lower()
    if not head:
        return "the response was empty"
    if head.startswith((b"{", b"[")):
        return "it is JSON but not a JSON Feed"
    if b"<html" in head or b"<!doctype html" in head:
        return "it is an HTML page (is the feed URL right? the site may link its feed from this page)"
    return "no RSS, Atom or JSON Feed document was found"


def _datetime(struct: Any) -> datetime | None:
    if not struct:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(struct), tz=UTC)
    except (OverflowError, ValueError, TypeError):
        return None


def _entry_key(guid: str | None, link: str | None, entry: dict[str, Any]) -> str:
    if guid:
        return f"guid:{guid}"
    if link:
        return f"link:{link}"
    # Neither guid nor link: a digest of what the entry says, stable across re-runs.
    # dict.get: feedparser's own .get maps a missing "updated" to "published" with a DeprecationWarning.
    basis = "\x1f".join(str(dict.get(entry, k, "")) for k in ("title", "summary", "published", "updated"))
    return "hash:" + hashlib.sha256(basis.encode("utf-8", "replace")).hexdigest()[:32]


def parse_feed(body: bytes, *, url: str, headers: Mapping[str, str] | None = None) -> Feed:
    """Parse feed bytes fetched from ``url`` (the final URL, after redirects) with its response headers."""
    check_entities(body, url)
    response_headers = {k.lower(): v for k, v in (headers or {}).items()}
    # feedparser resolves relative links against Content-Location; the final feed URL is the right base.
    response_headers["content-location"] = url
    parsed = feedparser.parse(
        io.BytesIO(body),
        response_headers=response_headers,
        resolve_relative_uris=True,
        sanitize_html=True,
    )
    if not parsed.get("version") and not parsed.entries:
        reason = _sniff(body)
        raise errors.NotAFeed(f"{url}: not a feed: {reason}", url=url)

    warnings: list[str] = []
    if parsed.get("bozo"):
        warnings.append(f"feed is not well-formed: {parsed.get('bozo_exception')}")
    entries: list[FeedEntry] = []
    seen: set[str] = set()
    for entry in parsed.entries:
        guid = (entry.get("id") or "").strip() or None
        raw_link = entry.get("link")
        link = resolve(url, raw_link)
        if raw_link and link is None:
            warnings.append(f"entry link {raw_link[:80]!r} is not an http(s) URL; it will not be fetched")
        key = _entry_key(guid, link, entry)
        if key in seen:
            warnings.append(f"duplicate entry {key[:90]!r} in the feed; kept the first")
            continue
        seen.add(key)
        entries.append(
            FeedEntry(
                key=key,
                guid=guid,
                url=link,
                title=(entry.get("title") or "").strip() or None,
                author=(entry.get("author") or "").strip() or None,
                published_at=_datetime(dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed")),
                summary=entry.get("summary"),
            )
        )
    return Feed(title=parsed.feed.get("title"), entries=tuple(entries), warnings=tuple(warnings))
