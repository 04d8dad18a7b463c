"""Keep and block rules: which feed entries a reader wants fetched (Miniflux semantics).

A rule is a case-insensitive regular expression searched in an entry's title, summary and URL. A source's
rules and the ``[settings]`` rules both apply: an entry matching any block rule is dropped, and where keep
rules are given (for all sources, for this one, or both) the entry must match one of each list it is given.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from extractors.models import FeedEntry

KEEP = "keep"  # what a dropped entry records when it matched no keep rule


@lru_cache(maxsize=1024)
def compiled(pattern: str) -> re.Pattern[str]:
    """The rule as a case-insensitive pattern (re.error for a bad one)."""
    return re.compile(pattern, re.IGNORECASE)


def block_label(pattern: str) -> str:
    """What an entry dropped by a block rule records: ``block:`` and the rule as written."""
    return f"block:{pattern}"


def _matches(pattern: str, fields: Sequence[str]) -> bool:
    rule = compiled(pattern)
    return any(rule.search(text) for text in fields)


def dropped_by(entry: FeedEntry, keep: Sequence[Sequence[str]], block: Sequence[str]) -> str | None:
    """The rule that drops ``entry`` (a block label, or ``KEEP``), None when it is to be fetched.

    ``keep`` holds one list per level (settings, source): an empty list asks nothing of the entry."""
    fields = [text for text in (entry.title, entry.summary, entry.url) if text]
    for pattern in block:
        if _matches(pattern, fields):
            return block_label(pattern)
    for patterns in keep:
        if patterns and not any(_matches(p, fields) for p in patterns):
            return KEEP
    return None
