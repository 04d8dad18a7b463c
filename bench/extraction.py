"""Article extraction against the shared evaluation set: our extractor and plain trafilatura, same run.

For each extractor: text precision, recall, F1 and accuracy (the corpus's own snippet metric, see the
set's README), documents per CPU second (median over --repeat passes; the two extractors alternate
page by page, so machine load and warm caches hit both alike), the ratio of our speed to trafilatura's,
title / author / date accuracy against the gold metadata, and the pages that crashed (raised anything but NoArticle).

"plain trafilatura" is ``trafilatura.extract(page_bytes, include_comments=False)`` for text and speed,
and ``bare_extraction(..., with_metadata=True)`` for its metadata (not timed).

    python bench/extraction.py                 # the whole set, 3 timed passes (a few minutes)
    python bench/extraction.py --limit 200 --repeat 1 --json
    python bench/extraction.py --record        # store the gate sample's F1 for the quality test
    python bench/extraction.py --second ../readability/test/test-pages   # and the second set

The set is looked up beside the repository (``../shared/testdata/extraction-eval``). A second set the
extractor was never tuned on (Mozilla Readability's test pages, bench/second_set.py) is scored too when it
is found, on words rather than snippets.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import re
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
for _path in (REPO, REPO / "bench"):  # run as a script: the packages, and this script's siblings
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

import second_set  # noqa: E402
import trafilatura  # noqa: E402

from extractors.article import extract_article, parse_page  # noqa: E402
from extractors.comments import comment_section_nodes, extract_comments  # noqa: E402
from extractors.errors import NoArticle  # noqa: E402

EVAL_DIR = REPO.parent / "shared" / "testdata" / "extraction-eval"
TARGET_SECOND_F1 = 0.97
RECORD_FILE = REPO / "tests" / "extractors" / "extraction_f1.json"
GATE_EVERY = 10  # the gate sample: every 10th page of the sorted keys
TARGET_F1 = 0.935
TARGET_RATIO = 1.25  # the performance issue: ahead of trafilatura while also reading comments
_WS = re.compile(r"\s+")


# -- the evaluation set and its metric ------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """One page of the set: its key in gold.json, raw bytes, and a URL to hand to the extractor."""

    key: str
    url: str
    html: bytes
    gold: dict[str, Any]


def load_eval_set(directory: Path = EVAL_DIR, keys: Iterable[str] | None = None) -> list[Page]:
    """The pages of the set (all, or those ``keys``), in sorted key order."""
    gold: dict[str, dict[str, Any]] = json.loads((directory / "gold.json").read_text(encoding="utf-8"))
    chosen = sorted(gold) if keys is None else sorted(keys)
    pages = []
    for key in chosen:
        entry = gold[key]
        html = gzip.decompress((directory / "pages" / f"{entry['file']}.gz").read_bytes())
        pages.append(Page(key=key, url=page_url(key, entry["file"]), html=html, gold=entry))
    return pages


def page_url(key: str, filename: str) -> str:
    """The page's own URL when its key is one; otherwise a neutral URL naming the file."""
    key = key.strip()
    if key.startswith(("http://", "https://")):
        return key
    return f"https://example.org/{filename}"


def gate_keys(directory: Path = EVAL_DIR) -> list[str]:
    """The fixed sample the quality gate checks: every GATE_EVERY-th key, sorted."""
    gold = json.loads((directory / "gold.json").read_text(encoding="utf-8"))
    return sorted(gold)[::GATE_EVERY]


def _norm(text: str) -> str:
    return _WS.sub(" ", text)


@dataclass
class Counts:
    """Snippet counts summed over pages."""

    tp: int = 0
    fn: int = 0
    fp: int = 0
    tn: int = 0

    def add(self, gold: dict[str, Any], text: str) -> None:
        """Score one page's output against its gold snippets."""
        out = _norm(text)
        for snippet in gold["with"]:
            if _norm(snippet) in out:
                self.tp += 1
            else:
                self.fn += 1
        for snippet in gold["without"]:
            if _norm(snippet) in out:
                self.fp += 1
            else:
                self.tn += 1

    def figures(self) -> dict[str, float]:
        """Precision, recall, F1 and accuracy."""
        tp, fn, fp, tn = self.tp, self.fn, self.fp, self.tn
        return {
            "precision": tp / (tp + fp) if tp + fp else 0.0,
            "recall": tp / (tp + fn) if tp + fn else 0.0,
            "f1": 2 * tp / (2 * tp + fp + fn) if tp else 0.0,
            "accuracy": (tp + tn) / (tp + tn + fp + fn) if tp + tn + fp + fn else 0.0,
        }


def score_texts(pages: list[Page], texts: dict[str, str]) -> dict[str, float]:
    """The corpus metric over ``pages``; a missing or empty text counts as empty output."""
    counts = Counts()
    for page in pages:
        counts.add(page.gold, texts.get(page.key, ""))
    return counts.figures()


# -- metadata accuracy ------------------------------------------------------------------------------------


@dataclass
class MetaScore:
    """Right answers over pages whose gold has a value, per field."""

    right: dict[str, int] = field(default_factory=lambda: {"title": 0, "author": 0, "date": 0})
    total: dict[str, int] = field(default_factory=lambda: {"title": 0, "author": 0, "date": 0})

    def add(self, gold: dict[str, Any], title: str | None, author: str | None, day: date | None) -> None:
        """Score one page: title exact after whitespace squashing, author case-insensitive, date to the day."""
        if gold.get("title"):
            self.total["title"] += 1
            self.right["title"] += _norm(title or "").strip() == _norm(gold["title"]).strip()
        if gold.get("author"):
            wanted = gold["author"] if isinstance(gold["author"], str) else "; ".join(gold["author"])
            self.total["author"] += 1
            self.right["author"] += _norm(author or "").strip().casefold() == _norm(wanted).strip().casefold()
        if gold.get("date"):
            self.total["date"] += 1
            self.right["date"] += day is not None and day.isoformat() == gold["date"][:10]

    def figures(self) -> dict[str, float | None]:
        """Accuracy per field (None when no page has gold for it)."""
        return {name: self.right[name] / self.total[name] if self.total[name] else None for name in self.total}


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


# -- the two extractors -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Output:
    """One extractor's result for one page."""

    text: str
    title: str | None = None
    author: str | None = None
    day: date | None = None


@dataclass
class Run:
    """What one extractor produced over the set."""

    name: str
    texts: dict[str, str] = field(default_factory=dict)
    crashes: dict[str, str] = field(default_factory=dict)  # key -> exception, anything but NoArticle
    seconds: list[float] = field(default_factory=list)  # one per timed pass
    outputs: dict[str, Output] = field(default_factory=dict)
    comment_seconds: float = 0.0  # of which reading reader comments (ours only), one pass
    meta: MetaScore = field(default_factory=MetaScore)


def ours(page: Page) -> Output:
    """Our extractor on a page (empty output for NoArticle)."""
    try:
        article = extract_article(page.html, page.url)
    except NoArticle:
        return Output("")
    day = article.published_at.date() if article.published_at is not None else None
    return Output(article.text, article.title, article.author, day)


def plain_trafilatura(page: Page) -> Output:
    """trafilatura's standard text extraction (empty output when it returns None)."""
    return Output(trafilatura.extract(page.html, include_comments=False) or "")


def trafilatura_metadata(page: Page) -> Output:
    """trafilatura's own metadata for a page (untimed: the standard text extraction does not read it)."""
    doc = trafilatura.bare_extraction(page.html, url=page.url, include_comments=False, with_metadata=True)
    if doc is None or isinstance(doc, dict):
        return Output("")
    return Output(doc.text or "", doc.title, doc.author, _day(doc.date))


def _timed(run: Run, page: Page, extract: Callable[[Page], Output], keep: bool) -> float:
    """Extract one page; CPU seconds spent (other processes' load does not count, unlike wall time)."""
    started = time.process_time()
    try:
        out = extract(page)
    except Exception as err:  # a crash is a finding, counted and shown, not a stop
        run.crashes[page.key] = f"{type(err).__name__}: {err}"
        out = Output("")
    spent = time.process_time() - started
    if keep:
        run.texts[page.key] = out.text
        run.outputs[page.key] = out
    return spent


def _reader_comment_seconds(pages: list[Page]) -> float:
    """CPU seconds extract_article spends in extractors.comments (both calls), timed apart on the tree it
    hands them: the share of our time that goes to reading comments rather than to text and metadata."""
    spent = 0.0
    for page in pages:
        tree = parse_page(page.html)
        if tree is None:
            continue
        started = time.process_time()
        with suppress(Exception):
            extract_comments(tree)
            comment_section_nodes(tree)
        spent += time.process_time() - started
    return spent


def run_bench(pages: list[Page], repeat: int) -> tuple[Run, Run]:
    """Time both extractors over ``pages``, then score their metadata.

    The two alternate page by page (and which goes first alternates too), so a change in machine load
    or a cache warmed by the other extractor affects both alike."""
    mine, theirs = Run("tealeaves"), Run("trafilatura")
    pair: list[tuple[Run, Callable[[Page], Output]]] = [(mine, ours), (theirs, plain_trafilatura)]
    for page in pages[:50]:  # warm-up, untimed: lazy imports, compiled patterns, stop lists, date parsers
        for _, extract in pair:
            with suppress(Exception):
                extract(page)
    for rep in range(repeat):
        spent = {mine.name: 0.0, theirs.name: 0.0}
        for i, page in enumerate(pages):
            for run, extract in pair if (i + rep) % 2 == 0 else pair[::-1]:
                spent[run.name] += _timed(run, page, extract, keep=rep == 0)
        mine.seconds.append(spent[mine.name])
        theirs.seconds.append(spent[theirs.name])
    mine.comment_seconds = _reader_comment_seconds(pages)
    for page in pages:
        out = mine.outputs.get(page.key, Output(""))
        mine.meta.add(page.gold, out.title, out.author, out.day)
        try:
            meta = trafilatura_metadata(page)
        except Exception:  # its crashes on text were counted in the timed passes
            meta = Output("")
        theirs.meta.add(page.gold, meta.title, meta.author, meta.day)
    return mine, theirs


# -- report ------------------------------------------------------------------------------------------------


def summary(pages: list[Page], mine: Run, theirs: Run) -> dict[str, Any]:
    """All figures, as the --json output prints them."""
    result: dict[str, Any] = {"pages": len(pages), "repeat": len(mine.seconds), "extractors": {}}
    speeds = {}
    for run in (mine, theirs):
        speed = len(pages) / statistics.median(run.seconds)
        speeds[run.name] = speed
        result["extractors"][run.name] = {
            **score_texts(pages, run.texts),
            "docs_per_s": speed,
            "title_accuracy": run.meta.figures()["title"],
            "author_accuracy": run.meta.figures()["author"],
            "date_accuracy": run.meta.figures()["date"],
            "crashes": len(run.crashes),
            "crashed_pages": dict(sorted(run.crashes.items())),
        }
    result["speed_ratio"] = speeds[mine.name] / speeds[theirs.name]
    ours_ms = 1000 / speeds[mine.name]
    comments_ms = 1000 * mine.comment_seconds / len(pages)
    result["reader_comments"] = {
        "ms_per_page": comments_ms,
        "share_of_tealeaves_time": comments_ms / ours_ms,
        "speed_ratio_without_them": (1000 / max(ours_ms - comments_ms, 1e-9)) / speeds[theirs.name],
    }
    f1 = result["extractors"][mine.name]["f1"]
    result["targets"] = {
        "f1": {"target": TARGET_F1, "value": f1, "met": f1 >= TARGET_F1},
        "speed_ratio": {
            "target": TARGET_RATIO,
            "value": result["speed_ratio"],
            "met": result["speed_ratio"] >= TARGET_RATIO,
        },
        "crashes": {"target": 0, "value": len(mine.crashes), "met": not mine.crashes},
    }
    return result


def _share(value: float | None) -> str:
    return f"{value:>6.3f}" if value is not None else f"{'-':>6}"


def print_table(result: dict[str, Any]) -> None:
    """The human-readable table."""
    rows = result["extractors"]
    print(
        f"extraction-eval: {result['pages']} pages; docs/s = pages per CPU second, median of {result['repeat']}"
        " passes, the two extractors alternating page by page"
    )
    header = f"{'extractor':<12} {'prec':>6} {'recall':>6} {'F1':>6} {'acc':>6} {'docs/s':>7} {'ratio':>6}"
    header += f" {'title':>6} {'author':>6} {'date':>6} {'crashes':>7}"
    print(header)
    print("-" * len(header))
    for name, row in rows.items():
        ratio = result["speed_ratio"] if name == "tealeaves" else 1.0
        print(
            f"{name:<12} {row['precision']:>6.3f} {row['recall']:>6.3f} {row['f1']:>6.3f} {row['accuracy']:>6.3f}"
            f" {row['docs_per_s']:>7.1f} {ratio:>5.2f}x {_share(row['title_accuracy'])}"
            f" {_share(row['author_accuracy'])} {_share(row['date_accuracy'])} {row['crashes']:>7d}"
        )
    comments = result["reader_comments"]
    print(
        f"of tealeaves' time, reading reader comments (extractors.comments, timed apart) takes"
        f" {comments['ms_per_page']:.1f} ms/page ({comments['share_of_tealeaves_time']:.0%});"
        f" text and metadata alone run at {comments['speed_ratio_without_them']:.2f}x trafilatura"
    )
    print()
    for name, target in result["targets"].items():
        verdict = "met" if target["met"] else "NOT met"
        print(f"target {name:<12} {verdict:<8} (value {target['value']:.3f}, target {target['target']})")
    for name, row in rows.items():
        for key, error in row["crashed_pages"].items():
            print(f"crash [{name}] {key}: {error}")


def record(directory: Path = EVAL_DIR) -> dict[str, Any]:
    """Measure our F1 on the gate sample and store it where the quality test reads it."""
    pages = load_eval_set(directory, gate_keys(directory))
    texts = {page.key: ours(page).text for page in pages}
    figures = score_texts(pages, texts)
    recorded = {
        "sample": f"every {GATE_EVERY}th key of gold.json, sorted",
        "pages": len(pages),
        "f1": round(figures["f1"], 4),
        "precision": round(figures["precision"], 4),
        "recall": round(figures["recall"], 4),
    }
    RECORD_FILE.write_text(json.dumps(recorded, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return recorded


def score_second_set(directory: Path) -> dict[str, Any]:
    """Word-level precision, recall and F1 on the second set: ours, trafilatura standard and favor_precision."""
    pages = second_set.load(directory)
    extractors: dict[str, Callable[[bytes], str]] = {
        "tealeaves": lambda html: ours(Page("", "https://example.org/", html, {})).text,
        "trafilatura": lambda html: trafilatura.extract(html, include_comments=False) or "",
        "trafilatura favor_precision": lambda html: (
            trafilatura.extract(html, include_comments=False, favor_precision=True) or ""
        ),
    }
    scores = {name: second_set.TokenScore() for name in extractors}
    crashes: dict[str, int] = dict.fromkeys(extractors, 0)
    for page in pages:
        for name, extract in extractors.items():
            try:
                text = extract(page.html)
            except Exception:  # a crash is scored as empty output and counted
                crashes[name] += 1
                text = ""
            scores[name].add(page.gold, text)
    result = {name: {**score.figures(), "crashes": crashes[name]} for name, score in scores.items()}
    f1 = result["tealeaves"]["f1"]
    return {
        "pages": len(pages),
        "extractors": result,
        "target": {"target": TARGET_SECOND_F1, "value": f1, "met": f1 >= TARGET_SECOND_F1},
    }


def print_second_set(second: dict[str, Any]) -> None:
    print(f"\nsecond set (Mozilla Readability's test pages, never tuned on): {second['pages']} pages, scored on words")
    print(f"{'extractor':<28} {'prec':>6} {'recall':>6} {'F1':>6} {'crashes':>7}")
    for name, row in second["extractors"].items():
        print(f"{name:<28} {row['precision']:>6.3f} {row['recall']:>6.3f} {row['f1']:>6.3f} {row['crashes']:>7d}")
    target = second["target"]
    verdict = "met" if target["met"] else "NOT met"
    print(f"target second_set_f1 {verdict:<8} (value {target['value']:.3f}, target {target['target']})")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its table (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="timed passes per extractor (median is shown)")
    parser.add_argument("--limit", type=int, default=0, help="only the first N pages (sorted keys); 0 = all")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--record", action="store_true", help=f"store the gate sample's F1 in {RECORD_FILE.name}")
    parser.add_argument(
        "--second",
        type=Path,
        default=second_set.DEFAULT_DIR,
        help="the second set: the test/test-pages directory of a Mozilla Readability clone (skipped when absent)",
    )
    parser.add_argument("--only-second", action="store_true", help="score the second set alone")
    args = parser.parse_args(argv)
    logging.disable(logging.ERROR)  # trafilatura logs every page it discards
    if not (EVAL_DIR / "gold.json").exists():
        print(f"evaluation set not found at {EVAL_DIR}", file=sys.stderr)
        return 2
    if args.record:
        print(json.dumps(record(), indent=2, sort_keys=True))
        return 0
    second = score_second_set(args.second) if args.second.is_dir() else None
    if second is None:
        print(f"second set not found at {args.second}: see bench/second_set.py for how to get it", file=sys.stderr)
    if args.only_second:
        if second is None:
            return 2
        print(json.dumps(second, indent=2, sort_keys=True)) if args.json else print_second_set(second)
        return 0
    pages = load_eval_set()
    if args.limit:
        pages = pages[: args.limit]
    mine, theirs = run_bench(pages, max(1, args.repeat))
    result = summary(pages, mine, theirs)
    if second is not None:
        result["second_set"] = second
        result["targets"]["second_set_f1"] = second["target"]
    if args.json:
        print(json.dumps(result, indent=2, sort_keys=True))
    else:
        print_table(result)
        if second is not None:
            print_second_set(second)
    return 0


if __name__ == "__main__":
    sys.exit(main())
