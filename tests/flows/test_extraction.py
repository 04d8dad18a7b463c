"""Extraction in worker processes: the same article as in the fetching thread, on other processes, and a
page that kills its worker ends as that page's recorded failure while the pool recovers for the rest."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from extractors.harvest import Page, read_page
from flows import extraction
from tests.conftest import SITE

PROCESSES = 2
KILL_MARK = b"<!-- kill the extraction process -->"


def _page(raw: bytes, url: str = "https://capital.example/2025/03/jeddah-and-after/") -> Page:
    return Page(url, url, url, None, raw, "text/html", "utf-8", ())


def _read_or_die(page: Page) -> Page:
    """``read_page``, except that a marked page ends the worker process the way a crash in lxml would."""
    if page.raw is not None and KILL_MARK in page.raw:
        os._exit(70)
    return read_page(page)


def _worker_pid(page: Page) -> Page:
    return Page(**{**page.__dict__, "requested_url": str(os.getpid())})


@pytest.fixture
def fresh_pool() -> Iterator[None]:
    extraction.shutdown()
    yield
    extraction.shutdown()


def test_worker_processes_extract_the_same_article_as_the_fetching_thread(fresh_pool: None) -> None:
    raw = (SITE / "wp_jeddah.html").read_bytes()
    in_thread = extraction.extract(_page(raw), 0)
    in_worker = extraction.extract(_page(raw), PROCESSES)
    assert in_thread.article is not None
    assert in_worker.article is not None
    assert in_worker.article == in_thread.article
    assert in_worker.canonical_url == in_thread.canonical_url
    ran_in = extraction.extract(_page(raw), PROCESSES, read=_worker_pid).requested_url
    assert ran_in != str(os.getpid()), "the page was read in the flow's own process"


def test_a_page_that_kills_its_worker_is_its_own_failure_and_the_next_page_is_read(fresh_pool: None) -> None:
    good = (SITE / "wp_jeddah.html").read_bytes()
    killer = _page(good.replace(b"</body>", KILL_MARK + b"</body>"))

    crashed = extraction.extract(killer, PROCESSES, read=_read_or_die)

    assert crashed.article is None
    assert crashed.error is not None
    assert crashed.error.kind == "extractor_crashed"
    assert f"died {extraction.ATTEMPTS} times" in str(crashed.error)
    assert crashed.raw == killer.raw, "the raw page must be kept for a later look"
    after = extraction.extract(_page(good), PROCESSES, read=_read_or_die)
    assert after.error is None
    assert after.article is not None
    assert after.article.title


def test_pages_already_failed_or_without_bytes_are_not_sent_to_a_worker(fresh_pool: None) -> None:
    empty = Page("https://a.example/x", "https://a.example/x", "https://a.example/x", None, None, None, None, ())
    assert extraction.extract(empty, PROCESSES, read=_worker_pid).requested_url == str(os.getpid())
