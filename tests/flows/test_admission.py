"""The window's rules, by plain calls: how many sources poll at once, the page budget, landing order."""

from __future__ import annotations

import pytest

from flows.admission import Window


def test_at_most_the_window_polls_at_once_and_a_landing_frees_a_place() -> None:
    window = Window(["a", "b", "c"], sources=2, pages=10)
    assert window.to_poll() == ["a", "b"]
    assert window.to_poll() == []
    window.settled("b")  # a failed poll lands at once, out of order
    assert window.to_poll() == ["c"]
    assert not window.done


def test_sources_with_pages_land_in_the_order_given_whatever_finishes_first() -> None:
    window = Window(["a", "b", "c"], sources=3, pages=100)
    window.to_poll()
    for name in ("c", "b", "a"):
        window.polled(name, 1)
    assert window.to_fetch() == ["a", "c", "b"]  # the first unlanded first, then the others as they came
    window.fetched("c")
    window.fetched("b")
    assert window.to_land() == []  # a holds the line
    window.fetched("a")
    assert window.to_land() == ["a", "b", "c"]
    for name in ("a", "b", "c"):
        window.landed(name)
    assert window.done
    assert window.pages_in_flight == 0


def test_the_page_budget_holds_back_later_sources_but_never_the_first_unlanded() -> None:
    window = Window(["first", "big", "small"], sources=3, pages=10)
    window.to_poll()
    window.polled("big", 8)
    assert window.to_fetch() == ["big"]  # the budget allows it
    window.polled("small", 5)
    assert window.to_fetch() == []  # 8 + 5 > 10: it waits
    window.polled("first", 50)
    assert window.to_fetch() == ["first"]  # far past the budget: the others cannot land before it
    assert window.pages_in_flight == 58
    window.fetched("first")
    window.landed("first")
    assert window.to_fetch() == []  # big still holds 8 pages
    window.fetched("big")
    window.landed("big")
    assert window.to_fetch() == ["small"]


def test_a_source_larger_than_the_budget_starts_alone() -> None:
    window = Window(["a", "b"], sources=2, pages=10)
    window.to_poll()
    window.polled("b", 30)
    assert window.to_fetch() == ["b"]  # nothing else holds pages
    window.polled("a", 1)
    assert window.to_fetch() == ["a"]  # the first unlanded is never held back


def test_a_source_with_nothing_new_still_waits_for_its_turn_to_land() -> None:
    window = Window(["a", "b"], sources=2, pages=10)
    window.to_poll()
    window.polled("b", 0)
    window.polled("a", 3)
    assert window.to_fetch() == ["a", "b"]
    window.fetched("b")
    assert window.to_land() == []
    window.fetched("a")
    assert window.to_land() == ["a", "b"]


def test_misuse_is_refused() -> None:
    with pytest.raises(ValueError, match="once"):
        Window(["a", "a"], sources=1, pages=1)
    window = Window(["a", "b"], sources=2, pages=10)
    window.to_poll()
    with pytest.raises(ValueError, match="not fetching"):
        window.fetched("a")
    window.polled("a", 1)
    window.polled("b", 1)
    window.to_fetch()
    window.fetched("b")
    with pytest.raises(ValueError, match="listed first"):
        window.landed("b")
    with pytest.raises(ValueError, match="not being polled"):
        window.polled("zz", 1)
