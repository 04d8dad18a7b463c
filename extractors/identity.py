"""How tealeaves tells things apart, in one place: a feed entry, a URL, a document and a text.

- **Entry key**: a feed entry's identity within its source: its guid, else its link, else a digest of what
  it says (stable across polls), so an entry is fetched once.
- **Canonical URL**: the form a page is stored under (tracking parameters, fragment and default port gone,
  scheme and host lower-cased); two entries that lead to one canonical URL are one document.
- **Doc id**: 16 hex digits derived from the canonical URL (the width of the seed corpus' ids); it never
  changes once given.
- **Content hash**: the identity of a text, so an exact copy published under another URL (a cross-post) is
  stored once.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import courlan

_SPACE = re.compile(r"\s+")
_ENTRY_FIELDS = ("title", "summary", "published", "updated")


def entry_key(guid: str | None, link: str | None, fields: dict[str, Any]) -> str:
    """``guid:…``, else ``link:…``, else ``hash:`` and a digest of the entry's title, summary and dates."""
    if guid:
        return f"guid:{guid}"
    if link:
        return f"link:{link}"
    # dict.get: feedparser's own .get maps a missing "updated" to "published" with a DeprecationWarning.
    basis = "\x1f".join(str(dict.get(fields, k, "")) for k in _ENTRY_FIELDS)
    return "hash:" + hashlib.sha256(basis.encode("utf-8", "replace")).hexdigest()[:32]


def canonical_url(url: str) -> str:
    """The form a document is stored under: tracking parameters (utm_*, fbclid …) and fragment removed,
    scheme and host lower-cased, default port dropped."""
    cleaned = courlan.normalize_url(url, strict=False)
    parts = urlsplit(cleaned)
    host = (parts.hostname or "").lower()
    port = parts.port
    default = (parts.scheme == "http" and port == 80) or (parts.scheme == "https" and port == 443)
    netloc = host if port is None or default else f"{host}:{port}"
    path = parts.path or "/"
    return urlunsplit((parts.scheme.lower(), netloc, path, parts.query, ""))


def doc_id_for(url: str) -> str:
    """16 hex digits derived from a canonical URL (same width as the seed ids)."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]


def content_hash(body: str, title: str | None = None) -> str:
    """sha256 of the body with whitespace normalised and a leading line that repeats the title dropped
    (templates differ in whether the headline sits inside the article): the identity of an exact duplicate."""
    text = _SPACE.sub(" ", body).strip()
    heading = _SPACE.sub(" ", title or "").strip()
    if heading and text.startswith(heading) and text[len(heading) : len(heading) + 1] in ("", " "):
        text = text[len(heading) :].strip()
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
