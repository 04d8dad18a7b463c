"""Does a page's text decode the way the page says? A page that mixes encodings is flagged, not fixed:
its raw bytes are kept, so a later release can do better."""

from __future__ import annotations

import codecs
import re

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")


def declared_charset(body: bytes, http_charset: str | None) -> str | None:
    """The charset the page claims: the HTTP header's, else the first <meta charset> (normalised name)."""
    for candidate in (http_charset, *(m.decode("ascii", "ignore") for m in _META_CHARSET.findall(body[:4096])[:1])):
        if candidate:
            try:
                return codecs.lookup(candidate).name
            except LookupError:
                continue
    return None


def mixed_encoding(body: bytes, http_charset: str | None) -> str | None:
    """A note when the bytes are not all in the claimed encoding, None when they are (or nothing is claimed
    and they are plain UTF-8)."""
    claimed = declared_charset(body, http_charset) or "utf-8"
    multibyte = len(_UTF8_MULTIBYTE.findall(body))  # valid-looking UTF-8 sequences of 2+ bytes
    if claimed in ("utf-8", "utf-8-sig"):
        invalid = body.decode("utf-8", "replace").count("\ufffd") - body.decode("utf-8", "ignore").count("\ufffd")
        # Invalid bytes alone mean a page in another, undeclared encoding (the decoder guesses it);
        # invalid bytes beside real UTF-8 mean two encodings in one page.
        if invalid > 0 and multibyte >= 3:
            return (
                f"the page says {claimed} but {invalid} byte sequence(s) are not valid UTF-8 beside "
                f"{multibyte} that are (encodings are mixed); the raw bytes are kept"
            )
        return None
    if claimed.startswith(("cp125", "iso8859", "koi8", "latin", "mac-")) and multibyte >= 3:
        return (
            f"the page says {claimed} but holds {multibyte} UTF-8 sequences (encodings are mixed); "
            "the raw bytes are kept"
        )
    return None
