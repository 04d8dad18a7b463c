"""Where pages are extracted: a pool of processes, one per core, so extraction (CPU) runs beside fetching
and landing instead of sharing one interpreter's lock with them.

The pool belongs to the process and outlives a flow run (starting it costs a second or two: every worker
imports trafilatura); it is shut down when the process exits. A worker that dies (a page that crashes
lxml, the OOM killer) breaks the pool for every page in flight: it is replaced and those pages are tried
again; a page that has broken three pools is a failure of its own, not of the run. When worker processes
cannot be started at all (a script without an ``if __name__ == "__main__":`` guard, a sandbox without
process support), pages are extracted in the fetching threads, as before, and the log says why.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from extractors import errors
from extractors.harvest import Page, read_page

ATTEMPTS = 3  # a page in flight when another page kills the pool must not be blamed for it
logger = logging.getLogger(__name__)
_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_size = 0
_unavailable: str | None = None  # why worker processes could not be started, once that is known


def _start(processes: int) -> ProcessPoolExecutor:
    # forkserver: never fork a process that runs threads (the flow's process always does).
    pool = ProcessPoolExecutor(max_workers=processes, mp_context=multiprocessing.get_context("forkserver"))
    try:
        # Start every worker now and make each import the extractor before the first page waits for it.
        list(pool.map(_warm, range(processes)))
    except Exception:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    return pool


def _warm(_: int) -> None:
    import extractors.article  # noqa: F401  (trafilatura, lxml: the second or so a worker needs first)


def _current(processes: int) -> ProcessPoolExecutor | None:
    """The pool of ``processes`` workers, started on first use; None when workers cannot be started."""
    global _pool, _size, _unavailable
    with _lock:
        if _unavailable is not None:
            return None
        if _pool is None or _size != processes:
            if _pool is not None:
                _pool.shutdown(wait=False, cancel_futures=True)
                _pool = None
            try:
                _pool, _size = _start(processes), processes
            except Exception as exc:  # what fails here depends on the platform and the main module
                _unavailable = f"{type(exc).__name__}: {exc}".strip()
                logger.warning(
                    "extraction processes could not be started (%s); extracting in the fetching threads instead",
                    _unavailable.splitlines()[0],
                )
                return None
        return _pool


def _replace(broken: ProcessPoolExecutor) -> None:
    global _pool
    with _lock:
        if _pool is broken:  # another thread may have replaced it already
            broken.shutdown(wait=False, cancel_futures=True)
            _pool = None


def shutdown() -> None:
    """Stop the worker processes (they start again on the next extraction)."""
    global _pool, _unavailable
    with _lock:
        if _pool is not None:
            _pool.shutdown()
            _pool = None
        _unavailable = None


def extract(page: Page, processes: int, read: Callable[[Page], Page] = read_page) -> Page:
    """``read(page)`` in a worker process (``processes`` of them), or in this thread when ``processes`` is 0
    or workers cannot be started. Never raises for what the page does: when it kills the worker, that
    comes back as the page's error."""
    if processes <= 0 or page.error is not None or page.raw is None:
        return read(page)
    for _attempt in range(ATTEMPTS):
        pool = _current(processes)
        if pool is None:
            return read(page)
        try:
            return pool.submit(read, page).result()
        except BrokenProcessPool:
            _replace(pool)
    crashed = errors.ExtractorCrashed(
        f"{page.url}: the extraction process died {ATTEMPTS} times while reading this page (a crash in the HTML "
        "parser, or out of memory); the raw page is kept and the page is not tried again",
        url=page.url,
    )
    return Page(**{**page.__dict__, "error": crashed})
