"""Where pages are extracted: a pool of processes, one per core, so extraction (CPU) runs beside fetching
and landing instead of sharing one interpreter's lock with them.

The pool belongs to the process and outlives a flow run (starting it costs a second or two: every worker
imports trafilatura); it is shut down when the process exits. A worker that dies (a page that crashes
lxml, the OOM killer) breaks the pool for every page in flight: it is replaced and those pages are tried
again; a page that has broken three pools is a failure of its own, not of the run. When worker processes
cannot be started at all (a script without an ``if __name__ == "__main__":`` guard, a sandbox without
process support), pages are extracted in the fetching threads, as before, and the log says why.

A page has a time budget (``timeout``, TEALEAVES_EXTRACTION_TIMEOUT): at most one page per worker is in
flight, so the budget counts from when a worker takes the page; a page that outlives it has its pool's
workers killed (which worker holds it is not known), comes back as an ``ExtractionTimeout`` and is not
tried again, while the other pages in flight are retried on a new pool without that counting against
them. In the fetching threads no page can be stopped, so there the budget does not apply.

The workers end when the process that started the pool ends, even by SIGKILL: each watches it (a
pidfd where Linux offers one), and the fork server and the resource tracker of multiprocessing end by
themselves once no worker holds their pipes.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import select
import signal
import sys
import threading
import time
import weakref
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from extractors import errors
from extractors.harvest import Page, read_page

ATTEMPTS = 3  # a page in flight when another page kills the pool must not be blamed for it
logger = logging.getLogger(__name__)
_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_slots = threading.BoundedSemaphore(1)  # one page per worker of _pool in flight
_size = 0
# Pools whose workers were killed on purpose: the pages they break are not to blame.
_stopped: weakref.WeakSet[ProcessPoolExecutor] = weakref.WeakSet()
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
_OWNER_POLL = 1.0  # seconds between looks at the owner where no pidfd can wait for it
_unavailable: str | None = None  # why worker processes could not be started, once that is known


def _start(processes: int) -> ProcessPoolExecutor:
    # forkserver: never fork a process that runs threads (the flow's process always does).
    pool = ProcessPoolExecutor(
        max_workers=processes,
        mp_context=multiprocessing.get_context("forkserver"),
        initializer=_follow_owner,
        initargs=(os.getpid(),),
    )
    try:
        # Start every worker now and make each import the extractor before the first page waits for it.
        list(pool.map(_warm, range(processes)))
    except Exception:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    return pool


def _follow_owner(owner: int) -> None:
    """Worker initializer: end this worker when ``owner`` (the process that started the pool) ends."""
    if sys.platform.startswith("linux"):
        # The worker's parent is the fork server: should it be killed, the kernel ends the worker too.
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    threading.Thread(target=_watch_owner, args=(owner,), name="watch-owner", daemon=True).start()


def _watch_owner(owner: int) -> None:
    # The owner is not our parent (the fork server is), so no signal tells us it died; its queues only
    # stop feeding us. os._exit: nothing of a worker's state is worth saving once its owner is gone.
    try:
        handle = os.pidfd_open(owner)
    except ProcessLookupError:
        os._exit(0)
    except (AttributeError, OSError):  # not Linux, or a kernel before 5.3
        while _running(owner):
            time.sleep(_OWNER_POLL)
        os._exit(0)
    select.select([handle], [], [])  # readable once the owner has exited
    os._exit(0)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _warm(_: int) -> None:
    import extractors.article  # noqa: F401  (trafilatura, lxml: the second or so a worker needs first)


def _current(processes: int) -> tuple[ProcessPoolExecutor, threading.BoundedSemaphore] | None:
    """The pool of ``processes`` workers and its free places, started on first use; None when workers
    cannot be started."""
    global _pool, _size, _slots, _unavailable
    with _lock:
        if _unavailable is not None:
            return None
        if _pool is None or _size != processes:
            if _pool is not None:
                _pool.shutdown(wait=False, cancel_futures=True)
                _pool = None
            try:
                _pool, _size = _start(processes), processes
                _slots = threading.BoundedSemaphore(processes)
            except Exception as exc:  # what fails here depends on the platform and the main module
                _unavailable = f"{type(exc).__name__}: {exc}".strip()
                logger.warning(
                    "extraction processes could not be started (%s); extracting in the fetching threads instead",
                    _unavailable.splitlines()[0],
                )
                return None
        return _pool, _slots


def _stop(pool: ProcessPoolExecutor) -> None:
    """Kill every worker of ``pool``: one of them is reading a page past its budget."""
    _stopped.add(pool)
    # The executor has no public way to end a worker; its own shutdown waits for the running page.
    for process in list(getattr(pool, "_processes", {}).values()):
        process.kill()
    _replace(pool)


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


def extract(
    page: Page, processes: int, read: Callable[[Page], Page] = read_page, *, timeout: float | None = None
) -> Page:
    """``read(page)`` in a worker process (``processes`` of them), or in this thread when ``processes`` is 0
    or workers cannot be started. Never raises for what the page does: when it kills the worker, or
    outlives ``timeout`` seconds in one (None: no budget), that comes back as the page's error."""
    if processes <= 0 or page.error is not None or page.raw is None:
        return read(page)
    crashes = 0
    while crashes < ATTEMPTS:
        current = _current(processes)
        if current is None:
            return read(page)
        pool, slots = current
        with slots:
            future = pool.submit(read, page)
            try:
                return future.result(timeout=timeout)
            except TimeoutError:
                _stop(pool)
                return _failed(page, _timed_out(page, timeout))
            except BrokenProcessPool:
                if pool not in _stopped:  # killed for another page's budget: not this page's doing
                    crashes += 1
                _replace(pool)
    crashed = errors.ExtractorCrashed(
        f"{page.url}: the extraction process died {ATTEMPTS} times while reading this page (a crash in the HTML "
        "parser, or out of memory); the raw page is kept and the page is not tried again",
        url=page.url,
    )
    return _failed(page, crashed)


def _timed_out(page: Page, timeout: float | None) -> errors.ExtractionTimeout:
    return errors.ExtractionTimeout(
        f"{page.url}: reading this page took longer than its extraction budget of {timeout:g} s "
        "(TEALEAVES_EXTRACTION_TIMEOUT), so its worker process was stopped; the raw page is kept and the page "
        "is not tried again (raise the budget to read pages this heavy)",
        url=page.url,
    )


def _failed(page: Page, error: errors.ExtractorError) -> Page:
    return Page(**{**page.__dict__, "error": error})
