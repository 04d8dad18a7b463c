"""A second evaluation set the extractor was never tuned on: Mozilla Readability's test pages.

Each page directory holds ``source.html`` (the page as fetched) and ``expected.html`` (the article as
Readability's maintainers say it reads). The expected article's text is the gold; an extractor's text
is scored on words, counted with their multiplicity (the token-level precision, recall and F1 that
public article-extraction benchmarks use), so no snippet choice of ours enters the metric.

Get the set with ``git clone https://github.com/mozilla/readability`` beside this repository (or pass
``--second DIR``, the ``test/test-pages`` directory of such a clone). It is not shipped here."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import lxml.html

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "readability" / "test" / "test-pages"
_WORD = re.compile(r"\w+", re.UNICODE)
_BLOCKS = (
    *("p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre"),
    *("td", "th", "tr", "br", "figcaption", "dd", "dt", "section", "article"),
)


@dataclass(frozen=True)
class GoldPage:
    """One page of the second set: its directory name, the source page's bytes, the expected text."""

    key: str
    html: bytes
    gold: str


def load(directory: Path) -> list[GoldPage]:
    """Every page directory under ``directory`` with both files, in name order."""
    pages = []
    for page in sorted(p for p in directory.iterdir() if p.is_dir()):
        source, expected = page / "source.html", page / "expected.html"
        if source.exists() and expected.exists():
            pages.append(GoldPage(page.name, source.read_bytes(), html_text(expected.read_bytes())))
    return pages


def html_text(html: bytes) -> str:
    """The visible text of an HTML fragment, one line per block element."""
    tree = lxml.html.fromstring(html)
    for element in tree.iter(*_BLOCKS):
        element.tail = "\n" + (element.tail or "")
    return str(tree.text_content())


def words(text: str) -> Counter[str]:
    return Counter(word.casefold() for word in _WORD.findall(text))


@dataclass
class TokenScore:
    """Words found and expected, summed over pages (a micro average: long articles weigh more)."""

    common: int = 0
    found: int = 0
    expected: int = 0

    def add(self, gold: str, text: str) -> None:
        want, got = words(gold), words(text)
        self.common += sum((want & got).values())
        self.found += sum(got.values())
        self.expected += sum(want.values())

    def figures(self) -> dict[str, float]:
        precision = self.common / self.found if self.found else 0.0
        recall = self.common / self.expected if self.expected else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {"precision": precision, "recall": recall, "f1": f1}
