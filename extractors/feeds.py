"""Feed bytes to entries: feedparser on a byte stream (JSON Feed read here), guarded against entity
bombs and external entities, links resolved against the final feed URL and filtered to http(s).

Broken feeds are read for what they hold whole: a document cut short keeps its complete entries and
drops the partial last one; a Content-Type charset that contradicts valid UTF-8 bytes loses to them;
entries with neither guid nor link get a key derived from what they say, stable across runs."""

from __future__ import annotations

import calendar
import codecs
import io
import json
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import feedparser
from feedparser import encodings as feedparser_encodings

from extractors import errors
from extractors.identity import entry_key
from extractors.models import Feed, FeedEntry, FeedHints
from extractors.urls import resolve

# Entity declarations are where "billion laughs" style feeds hide; real feeds declare a handful of short
# ones (&nbsp; and friends) if any. feedparser's loose parser re-expands what expat refused, so the
# bound is ours to keep: short values, no references between entities, and a cap on the total expansion.
_ENTITY_OPEN = re.compile(rb"<!ENTITY", re.IGNORECASE)
_ENTITY_DECL = re.compile(rb"<!ENTITY\s+(%\s*)?([^\s>]+)\s+(SYSTEM|PUBLIC|\"[^\"]*\"|'[^']*')", re.IGNORECASE)
MAX_ENTITY_VALUE = 64  # bytes in one declared entity's replacement text
MAX_ENTITIES = 64  # declarations in one document
MAX_EXPANSION = 2 * 1024 * 1024  # bytes all references to declared entities may add up to
# A reference inside a value (&name; or %name;), also when written as a character reference to '&', '%' or '<'.
_NESTED_REF = re.compile(rb"[&%][A-Za-z_:][\w.:-]*;|&#0*(?:38|37|60);|&#x0*(?:26|25|3c);", re.IGNORECASE)


def as_utf8(body: bytes, headers: Mapping[str, str] | None = None) -> bytes:
    """The document as feedparser will read it, transcoded to UTF-8 (so a UTF-16 or UTF-32 feed
    cannot hide its markup from the checks below)."""
    try:
        return bytes(feedparser_encodings.convert_to_utf8(dict(headers or {}), body, {}))
    except Exception:  # the checks then run on the raw bytes, which is what an ASCII-compatible feed is
        return body


def check_entities(body: bytes, url: str, headers: Mapping[str, str] | None = None) -> None:
    """Refuse, before any parsing, a document whose DTD could expand without bound or reach outside.
    The whole document is searched (a DTD may follow megabytes of comments), after transcoding."""
    _check_entities(as_utf8(body, headers), url)


def _check_entities(text: bytes, url: str) -> None:
    if not _ENTITY_OPEN.search(text):
        return
    declarations = _ENTITY_DECL.findall(text)
    opened = len(_ENTITY_OPEN.findall(text))
    if opened > MAX_ENTITIES:
        raise errors.HostileFeed(
            f"{url}: declares {opened} XML entities (limit {MAX_ENTITIES}); refused before parsing", url=url
        )
    if len(declarations) != opened:
        raise errors.HostileFeed(
            f"{url}: has an entity declaration tealeaves cannot read safely; refused before parsing", url=url
        )
    expansion = 0
    for percent, name, value in declarations:
        label = name.decode("ascii", "replace")
        if value.upper() in (b"SYSTEM", b"PUBLIC"):
            raise errors.HostileFeed(
                f"{url}: declares external entity {label!r}; external entities are never loaded", url=url
            )
        replacement = value[1:-1]
        if len(replacement) > MAX_ENTITY_VALUE or _NESTED_REF.search(replacement):
            raise errors.HostileFeed(
                f"{url}: entity {label!r} is {len(replacement)} bytes or refers to other entities, which could "
                "expand without bound; refused before parsing",
                url=url,
            )
        if not percent:
            expansion += text.count(b"&" + name + b";") * len(replacement)
    if expansion > MAX_EXPANSION:
        raise errors.HostileFeed(
            f"{url}: its entity references would expand to {expansion:,} bytes (limit {MAX_EXPANSION:,}); "
            "refused before parsing",
            url=url,
        )


def _sniff(body: bytes) -> str:
    head = body.lstrip()[:512].lower()
    if not head:
        return "the response was empty"
    if head.startswith(b"["):
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


_CLOSED_ENTRY = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?(?:item|entry)\s*>", re.IGNORECASE)
_CLOSED_ROOT = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?(?:rss|feed|rdf)\s*>", re.IGNORECASE)
_UTF16_32 = ("utf-16", "utf16", "utf-32", "utf32", "ucs-2", "ucs2", "ucs-4", "ucs4")


def _charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'").lower()
    return None


def _utf8_wins(body: bytes, headers: dict[str, str]) -> str | None:
    """When the header names another charset but the bytes are valid UTF-8 with non-ASCII text, read
    them as UTF-8 (text in a legacy 8-bit charset is practically never valid UTF-8). Returns a warning."""
    declared = _charset(headers.get("content-type", ""))
    if not declared or declared in ("utf-8", "utf8") or declared.startswith(_UTF16_32):
        return None
    if body.isascii():
        return None
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    media_type = headers["content-type"].split(";")[0].strip() or "application/xml"
    headers["content-type"] = f"{media_type}; charset=utf-8"
    return f"the Content-Type header says charset={declared}, but the body is valid UTF-8; read as UTF-8"


def _complete_entries(text: bytes, found: int) -> int | None:
    """How many entries a truncated document holds whole: None when the document is not cut short."""
    if _CLOSED_ROOT.search(text[-65536:]):
        return None
    closed = len(_CLOSED_ENTRY.findall(text))
    return closed if closed < found else None


def parse_feed(body: bytes, *, url: str, headers: Mapping[str, str] | None = None) -> Feed:
    """Parse feed bytes fetched from ``url`` (the final URL, after redirects) with its response headers."""
    response_headers = {k.lower(): v for k, v in (headers or {}).items()}
    warnings: list[str] = []
    if charset_warning := _utf8_wins(body, response_headers):
        warnings.append(charset_warning)
    text = as_utf8(body, response_headers)
    _check_entities(text, url)
    if body.removeprefix(codecs.BOM_UTF8).lstrip()[:1] == b"{":
        return parse_json_feed(body, url=url, warnings=warnings)
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

    raw_entries = list(parsed.entries)
    if parsed.get("bozo"):
        warnings.append(f"feed is not well-formed: {parsed.get('bozo_exception')}")
        whole = _complete_entries(text, len(raw_entries))
        if whole is not None:
            dropped = len(raw_entries) - whole
            raw_entries = raw_entries[:whole]
            warnings.append(
                f"the feed ends early (truncated?): kept the {whole} complete entries, dropped {dropped} partial one(s)"
            )
    entries = _entries(
        url,
        (
            (
                (entry.get("id") or "").strip() or None,
                entry.get("link"),
                entry.get("title"),
                entry.get("author"),
                _datetime(dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed")),
                entry.get("summary"),
                entry,
            )
            for entry in raw_entries
        ),
        warnings,
    )
    return Feed(
        title=parsed.feed.get("title"), entries=tuple(entries), warnings=tuple(warnings), hints=feed_hints(parsed, text)
    )


_PERIODS = frozenset({"hourly", "daily", "weekly", "monthly", "yearly"})
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# feedparser keeps only the last <hour> and <day> of these lists, so they are read from the document.
_SKIP_HOURS = re.compile(rb"<skipHours\s*>(.{0,2000}?)</skipHours\s*>", re.IGNORECASE | re.DOTALL)
_SKIP_DAYS = re.compile(rb"<skipDays\s*>(.{0,2000}?)</skipDays\s*>", re.IGNORECASE | re.DOTALL)
_HOUR = re.compile(rb"<hour\s*>\s*(\d{1,2})\s*</hour\s*>", re.IGNORECASE)
_DAY = re.compile(rb"<day\s*>\s*([A-Za-z]{3,9})\s*</day\s*>", re.IGNORECASE)


def _whole(value: Any, low: int, high: int) -> int | None:
    try:
        number = int(str(value).strip())
    except ValueError:
        return None
    return number if low <= number <= high else None


def feed_hints(parsed: Any, text: bytes) -> FeedHints:
    """The feed's polling hints: <ttl> (minutes), sy:updatePeriod / sy:updateFrequency, and the hours and
    days of skipHours / skipDays; values out of range are ignored."""
    channel = parsed.feed
    period = str(channel.get("sy_updateperiod", "")).strip().lower()
    hours = _SKIP_HOURS.search(text)
    days = _SKIP_DAYS.search(text)
    by_name = {day.lower(): day for day in _DAYS}
    return FeedHints(
        ttl_minutes=_whole(channel.get("ttl", ""), 1, 366 * 24 * 60),
        update_period=period if period in _PERIODS else None,
        update_frequency=_whole(channel.get("sy_updatefrequency", ""), 1, 10_000),
        # RSS numbers hours 0-23; 24 is read as midnight, as some feeds write it.
        skip_hours=tuple(sorted({int(h) % 24 for h in _HOUR.findall(hours.group(1)) if int(h) <= 24}) if hours else ()),
        skip_days=tuple(
            day
            for day in _DAYS
            if days and day in {by_name.get(d.decode().lower()) for d in _DAY.findall(days.group(1))}
        ),
    )


_Raw = tuple[str | None, Any, Any, Any, datetime | None, Any, dict[str, Any]]


def _entries(url: str, raw: Iterable[_Raw], warnings: list[str]) -> list[FeedEntry]:
    """FeedEntry records from (guid, link, title, author, published, summary, source dict) tuples:
    links resolved and filtered, keys assigned, duplicates dropped with a warning."""
    entries: list[FeedEntry] = []
    seen: set[str] = set()
    for guid, raw_link, title, author, published, summary, entry in raw:
        raw_link = raw_link if isinstance(raw_link, str) else None
        link = resolve(url, raw_link)
        if raw_link and link is None:
            warnings.append(f"entry link {raw_link[:80]!r} is not an http(s) URL; it will not be fetched")
        key = entry_key(guid, link, entry)
        if key in seen:
            warnings.append(f"duplicate entry {key[:90]!r} in the feed; kept the first")
            continue
        seen.add(key)
        entries.append(
            FeedEntry(
                key=key,
                guid=guid,
                url=link,
                title=_text(title),
                author=_text(author),
                published_at=published,
                summary=summary if isinstance(summary, str) else None,
            )
        )
    return entries


def _text(value: Any) -> str | None:
    return (value.strip() or None) if isinstance(value, str) else None


def _iso_datetime(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def parse_json_feed(body: bytes, *, url: str, warnings: list[str] | None = None) -> Feed:
    """Parse a JSON Feed (https://jsonfeed.org, versions 1 and 1.1); anything else is NotAFeed."""
    warnings = list(warnings or [])
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise errors.NotAFeed(f"{url}: not a feed: it looks like JSON but does not parse ({exc})", url=url) from exc
    version = document.get("version") if isinstance(document, dict) else None
    if not isinstance(version, str) or not version.startswith("https://jsonfeed.org/version/"):
        raise errors.NotAFeed(f"{url}: not a feed: it is JSON but not a JSON Feed", url=url)
    items = document.get("items")
    if not isinstance(items, list):
        raise errors.NotAFeed(f"{url}: not a feed: a JSON Feed without an items list", url=url)

    def author(item: dict[str, Any]) -> Any:
        people = item.get("authors")
        first = people[0] if isinstance(people, list) and people else item.get("author")
        return first.get("name") if isinstance(first, dict) else None

    raw: list[_Raw] = []
    for item in items:
        if not isinstance(item, dict):
            warnings.append("a JSON Feed item that is not an object was skipped")
            continue
        guid = item.get("id")
        raw.append(
            (
                (str(guid).strip() or None) if isinstance(guid, str | int) else None,
                item.get("url") or item.get("external_url"),
                item.get("title"),
                author(item),
                _iso_datetime(item.get("date_published") or item.get("date_modified")),
                item.get("summary") or item.get("content_text") or item.get("content_html"),
                {
                    "title": item.get("title", ""),
                    "summary": item.get("summary") or item.get("content_text") or item.get("content_html") or "",
                    "published": item.get("date_published", ""),
                    "updated": item.get("date_modified", ""),
                },
            )
        )
    title = document.get("title")
    return Feed(
        title=title if isinstance(title, str) else None,
        entries=tuple(_entries(url, raw, warnings)),
        warnings=tuple(warnings),
    )
