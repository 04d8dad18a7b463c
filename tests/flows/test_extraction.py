"""Extraction in worker processes: the same article as in the fetching thread, on other processes; a page
that kills its worker or outlives its time budget ends as that page's recorded failure while the pool
recovers for the rest; and no worker outlives the process that started it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from extractors import errors
from extractors.harvest import FeedPoll, Page, read_page
from extractors.models import FeedEntry
from flows import extraction
from flows.batches import source_batch
from flows.plan import EntryPlan
from tests.conftest import SITE
from tests.thread_pages import deep_thread, flat_thread

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


def test_a_page_past_its_time_budget_is_its_own_failure_and_the_pages_beside_it_are_read(fresh_pool: None) -> None:
    heavy = _page(flat_thread(4000), "https://blog.example/4000-comments/")  # a second or more in a worker
    beside = _page(flat_thread(2000), "https://blog.example/2000-comments/")  # in flight when heavy is stopped
    extraction.extract(_page((SITE / "wp_jeddah.html").read_bytes()), PROCESSES)  # workers up and warm

    with ThreadPoolExecutor(max_workers=2) as threads:
        stopped = threads.submit(extraction.extract, heavy, PROCESSES, timeout=0.3)
        read = threads.submit(extraction.extract, beside, PROCESSES, timeout=60)
        stopped_page, read_page_ = stopped.result(), read.result()

    assert stopped_page.article is None
    assert isinstance(stopped_page.error, errors.ExtractionTimeout)
    assert stopped_page.error.kind == "extraction_timeout"
    message = str(stopped_page.error)
    assert heavy.url in message
    assert "0.3 s" in message
    assert "TEALEAVES_EXTRACTION_TIMEOUT" in message
    assert stopped_page.raw == heavy.raw, "the raw page must be kept for a later look"
    assert read_page_.error is None, "a page in flight beside the stopped one is retried, not blamed"
    assert read_page_.article is not None
    assert len(read_page_.article.comments) == 2000
    after = extraction.extract(_page((SITE / "wp_jeddah.html").read_bytes()), PROCESSES, timeout=60)
    assert after.error is None
    assert after.article is not None


def test_a_timed_out_page_is_recorded_as_an_extract_failure_with_its_raw_page(fresh_pool: None) -> None:
    heavy = _page(flat_thread(4000), "https://blog.example/4000-comments/")
    entry = FeedEntry("k", None, heavy.url, "A post with many comments", None, None, None)
    poll = FeedPoll("https://blog.example/feed", 200, None, None, None, ())
    stopped = extraction.extract(heavy, PROCESSES, timeout=0.2)

    batch = source_batch("blog", poll, [(entry, stopped)], EntryPlan())

    assert [(f.stage, f.kind, f.url) for f in batch.failures] == [("extract", "extraction_timeout", heavy.url)]
    assert [raw.raw for raw in batch.raw_pages] == [heavy.raw]
    assert not batch.documents


def test_a_cut_thread_is_recorded_and_its_document_still_lands() -> None:
    page = read_page(_page(deep_thread(3000), "https://blog.example/deep/"))
    entry = FeedEntry("k", None, page.url, "A post with many comments", None, None, None)
    poll = FeedPoll("https://blog.example/feed", 200, None, None, None, ())

    batch = source_batch("blog", poll, [(entry, page)], EntryPlan())

    assert len(batch.documents) == 1
    assert page.article is not None
    cut = [f for f in batch.failures if f.kind == "thread_cut"]
    assert [(f.stage, f.url) for f in cut] == [("extract", page.url)]
    assert f"only the first {len(page.article.comments)} comments were read" in cut[0].message


# A process that starts the extraction pool, reads one page in it, prints the pids of every process it
# started (workers, fork server, resource tracker) and waits to be killed.
_POOL_OWNER = """
import os, sys, time
from pathlib import Path
from extractors.harvest import Page
from flows import extraction

url = "https://capital.example/2025/03/jeddah-and-after/"
raw = Path(sys.argv[1]).read_bytes()
page = extraction.extract(Page(url, url, url, None, raw, "text/html", "utf-8", ()), 2)
assert page.article is not None, page.error
me = str(os.getpid())
def descendants(pid):
    found = []
    for entry in os.listdir("/proc"):
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except (OSError, ValueError):
            continue
        if entry.isdigit() and stat.rsplit(")", 1)[1].split()[1] == pid:
            found += [entry, *descendants(entry)]
    return found
print(" ".join(descendants(me)), flush=True)
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has ended; only its parent's wait is missing


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process tree from /proc (Linux)")
def test_workers_and_their_helpers_end_when_the_process_that_started_them_is_killed() -> None:
    with subprocess.Popen(
        [sys.executable, "-c", _POOL_OWNER, str(SITE / "wp_jeddah.html")],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parents[2],
    ) as owner:
        try:
            assert owner.stdout is not None
            helpers = [int(pid) for pid in owner.stdout.readline().split()]
            assert len(helpers) >= 3, f"expected two workers and the fork server, found {helpers}"
        finally:
            owner.kill()  # SIGKILL: no atexit, no shutdown of the pool
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in helpers) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [pid for pid in helpers if _alive(pid)]
    for pid in left:  # never leave them behind, even when the test fails
        os.kill(pid, signal.SIGKILL)
    assert not left, f"processes {left} outlived the process that started them"
