"""How text becomes words, for the SQL side (stop words, MinHash constants) and the Python side
(search queries, snippets), so both split text the same way."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

# The SQL splits on '[^\p{L}\p{N}]+'; Python's [^\W_] is letters and digits too.
WORD = re.compile(r"[^\W_]+")

# Words too common to rank by (BM25) or to weigh (TF-IDF), kept as data in stopwords.txt.
STOP_WORDS: tuple[str, ...] = tuple(
    sorted(
        {
            word
            for line in (resources.files("warehouse.analysis") / "stopwords.txt")
            .read_text(encoding="utf-8")
            .splitlines()
            if not line.startswith("#")
            for word in line.split()
        }
    )
)

# MinHash: 64 bins of one-permutation hashing, banded 21 x 3 for locality-sensitive hashing. With r = 3
# values a band and b = 21 bands, a pair of Jaccard similarity s becomes a candidate with probability
# 1 - (1 - s^3)^21: 0.94 at s = 0.5, 0.99 at 0.6, 0.0002 at 0.02 (unrelated texts on the same topic).
MINHASH_BINS = 64
MINHASH_BANDS = 21
MINHASH_ROWS = 3
# Two bodies are near-duplicates when at least half of their word 5-grams are shared (estimated).
DUPLICATE_THRESHOLD = 0.5


def query_words(text: str) -> list[str]:
    """The lower-cased words of a search query, stop words left out, in order, once each."""
    seen: dict[str, None] = {}
    for word in WORD.findall(text.lower()):
        if len(word) > 1 and word not in STOP_WORDS:
            seen.setdefault(word, None)
    return list(seen)


@dataclass(frozen=True)
class Snippet:
    """A short passage around the best cluster of query words; hits are wrapped in « »."""

    text: str
    hits: int


def snippet(body: str, stems: list[str], *, width: int = 28) -> Snippet:
    """The passage of about ``width`` words holding the most words that start with a query stem."""
    words = list(WORD.finditer(body))
    if not words or not stems:
        return Snippet(body[:200], 0)
    lowered = [s.lower() for s in stems if s]
    hit_at = [i for i, m in enumerate(words) if any(m.group().lower().startswith(s) for s in lowered)]
    if not hit_at:
        return Snippet(" ".join(m.group() for m in words[:width]) + (" …" if len(words) > width else ""), 0)
    best, best_count = hit_at[0], 0
    for start in hit_at:
        count = sum(1 for i in hit_at if start <= i < start + width)
        if count > best_count:
            best, best_count = start, count
    first = max(0, best - width // 4)
    last = min(len(words), first + width)
    hits = set(hit_at)
    begin, end = words[first].start(), words[last - 1].end()
    pieces: list[str] = []
    cursor = begin
    for i in range(first, last):
        m = words[i]
        pieces.append(body[cursor : m.start()])
        pieces.append(f"«{m.group()}»" if i in hits else m.group())
        cursor = m.end()
    text = " ".join("".join(pieces).split())
    return Snippet(("… " if first > 0 else "") + text + (" …" if end < len(body.rstrip()) else ""), best_count)
