"""URL hygiene: which links may be followed (the form a document is stored under is in extractors.identity)."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

FETCHABLE_SCHEMES = frozenset({"http", "https"})


def is_fetchable(url: str) -> bool:
    """True for an absolute http(s) URL with a host; False for javascript:, data:, file:, mailto: …"""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in FETCHABLE_SCHEMES and bool(parts.hostname)


def resolve(base: str, link: str | None) -> str | None:
    """Resolve a possibly relative link against ``base``; None when the result may not be fetched."""
    if not link or not link.strip():
        return None
    try:
        absolute = urljoin(base, link.strip())
    except ValueError:
        return None
    return absolute if is_fetchable(absolute) else None


def host_of(url: str) -> str:
    """The host part of a URL, lower-cased ('' when there is none)."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
