"""The floor: what fetching and extracting a list of pages costs with nothing else around it.

A bare script: one ``httpx.Client``, a pool of ``--workers`` threads that each fetch a URL and extract it
with ``trafilatura.extract`` (its defaults: text and comments), no storage, no deduplication, no
orchestration. With ``--processes N`` the fetching threads hand each page's bytes to a pool of N
processes for extraction instead, so extraction uses N cores.

``--extractor tealeaves`` swaps in tealeaves' own ``extract_article`` (body, metadata and comments), to
tell the cost of the pipeline around extraction from the cost of the extractor itself.

    python bench/floor.py urls.txt --workers 160                 # one URL a line
    python bench/floor.py urls.txt --workers 160 --processes 2 --json
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import sys
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script: make the packages importable
    sys.path.insert(0, str(REPO))

import httpx  # noqa: E402
import trafilatura  # noqa: E402


def extract_trafilatura(body: bytes, url: str) -> int:
    """trafilatura's standard extraction; the length of the text (0 when it finds none)."""
    return len(trafilatura.extract(body, url=url) or "")


def extract_tealeaves(body: bytes, url: str) -> int:
    """tealeaves' extractor; the length of the body text (0 when it finds no article)."""
    from extractors.article import extract_article
    from extractors.errors import NoArticle

    try:
        return len(extract_article(body, url).text)
    except NoArticle:
        return 0


EXTRACTORS: dict[str, Callable[[bytes, str], int]] = {
    "trafilatura": extract_trafilatura,
    "tealeaves": extract_tealeaves,
}


def _quiet() -> None:
    logging.disable(logging.ERROR)  # trafilatura logs every page it discards


def run_floor(urls: list[str], workers: int, processes: int = 0, extractor: str = "trafilatura") -> dict[str, float]:
    """Fetch and extract every URL; wall seconds and counts."""
    extract = EXTRACTORS[extractor]
    procs = ProcessPoolExecutor(processes, initializer=_quiet) if processes else None
    if procs is not None:  # start the workers before any thread exists (fork and threads do not mix)
        list(procs.map(abs, range(processes * 2)))
    limits = httpx.Limits(max_connections=workers, max_keepalive_connections=workers)
    failed = empty = 0
    chars = 0
    started = time.perf_counter()
    with httpx.Client(limits=limits, timeout=60.0, trust_env=False) as client:

        def one(url: str) -> int:
            response = client.get(url)
            response.raise_for_status()
            if procs is None:
                return extract(response.content, url)
            future: Future[int] = procs.submit(extract, response.content, url)
            return future.result()

        with ThreadPoolExecutor(max_workers=workers) as pool:
            for future in [pool.submit(one, url) for url in urls]:
                try:
                    size = future.result()
                except (httpx.HTTPError, OSError):
                    failed += 1
                    continue
                chars += size
                empty += size == 0
    wall = time.perf_counter() - started
    if procs is not None:
        procs.shutdown()
    return {
        "wall_s": wall,
        "pages": len(urls) - failed,
        "failed": failed,
        "empty": empty,
        "chars": chars,
        "cpu_s": _cpu_seconds(),
    }


def _cpu_seconds() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def main(argv: list[str] | None = None) -> int:
    """Run the floor over a URL file and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("urls", type=Path, help="file with one URL a line")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="fetching threads")
    parser.add_argument("--processes", type=int, default=0, help="extraction processes (0: extract in the threads)")
    parser.add_argument("--extractor", choices=sorted(EXTRACTORS), default="trafilatura")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    _quiet()
    urls = [line.strip() for line in args.urls.read_text(encoding="utf-8").splitlines() if line.strip()]
    figures = run_floor(urls, args.workers, args.processes, args.extractor)
    if args.json:
        print(json.dumps(figures))
    else:
        print(
            f"floor ({args.extractor}, {args.workers} threads, {args.processes or 'no'} extraction processes): "
            f"{figures['pages']:.0f} pages in {figures['wall_s']:.1f} s = {figures['pages'] / figures['wall_s']:.1f} "
            f"pages/s, {figures['failed']:.0f} failed, {figures['empty']:.0f} without text"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
