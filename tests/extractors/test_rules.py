"""Keep and block rules over feed entries."""

from __future__ import annotations

from extractors.models import FeedEntry
from extractors.rules import KEEP, dropped_by


def entry(title: str | None = None, summary: str | None = None, url: str | None = None) -> FeedEntry:
    return FeedEntry(key="k", guid=None, url=url, title=title, author=None, published_at=None, summary=summary)


def test_a_block_rule_is_searched_in_title_summary_and_url_whatever_the_case() -> None:
    block = ["recipe"]
    assert dropped_by(entry(title="Best RECIPES of the week"), (), block) == "block:recipe"
    assert dropped_by(entry(summary="a recipe for peace?"), (), block) == "block:recipe"
    assert dropped_by(entry(url="https://x.test/food/recipe-42"), (), block) == "block:recipe"
    assert dropped_by(entry(title="Talks in Riyadh", url="https://x.test/talks"), (), block) is None


def test_with_keep_rules_only_entries_matching_one_of_them_pass() -> None:
    keep = (["ukrain", r"\bputin\b"],)
    assert dropped_by(entry(title="Ukrainian delegation arrives"), keep, []) is None
    assert dropped_by(entry(summary="Putin and Trump to meet"), keep, []) is None
    assert dropped_by(entry(title="Putinesque"), keep, []) == KEEP
    assert dropped_by(entry(title="Mortgage rates rise"), keep, []) == KEEP


def test_block_wins_over_keep_and_each_level_of_keep_rules_must_be_met() -> None:
    both = (["ceasefire"], ["ukrain"])  # [settings] keep, then the source's own
    assert dropped_by(entry(title="Ceasefire in Ukraine"), both, []) is None
    assert dropped_by(entry(title="Ceasefire in Gaza"), both, []) == KEEP
    assert dropped_by(entry(title="Ceasefire in Ukraine: podcast"), both, ["podcast"]) == "block:podcast"
    assert dropped_by(entry(title="Anything"), ([], []), []) is None
