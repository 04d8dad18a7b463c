"""Every one of feedparser's 2,107 fixture feeds, served over HTTP with the headers it declares, ends as
stored entries or a recorded failure: no crash, no hang, nothing half-written."""

from __future__ import annotations

import codecs
import re
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from extractors import errors
from extractors.fetch import Fetcher
from extractors.harvest import poll_feed
from flows.batches import feed_failure_batch, fetch_rows
from tests.conftest import SHARED
from tests.fixture_server import FixtureServer, Route
from tests.policies import fetch_policy
from warehouse import load, state
from warehouse.db import open_writer
from warehouse.records import EntryRow, SourceBatch

CORPUS = SHARED / "testdata" / "feeds"
HEADER = re.compile(r"^Header:\s*([\w-]+):\s*(.*?)\s*$", re.MULTILINE)
BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/testdata/feeds is not beside the repository"),
]


def declared_headers(raw: bytes) -> dict[str, str]:
    """The ``Header:`` lines of the fixture's leading comment (UTF-16/32 files are read through their BOM)."""
    text = None
    for bom, codec in BOMS:
        if raw.startswith(bom):
            text = raw.decode(codec, "replace")
            break
    if text is None:
        text = raw[:4096].decode("latin-1")
        if b"\x00" in raw[:64]:  # UTF-16/32 without a BOM
            text = raw.decode("utf-16-le" if raw[1:2] == b"\x00" else "utf-16-be", "replace")
    return {k: v for k, v in HEADER.findall(text[:4096])}


def corpus_files() -> list[Path]:
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name not in ("README.md", "LICENSE"))


@pytest.fixture(scope="module")
def corpus_server() -> Iterator[tuple[FixtureServer, dict[str, Path]]]:
    files = corpus_files()
    routes: dict[str, Route] = {}
    paths: dict[str, Path] = {}
    for i, path in enumerate(files):
        raw = path.read_bytes()
        headers = {"Content-Type": "application/xml"}
        headers.update(declared_headers(raw))
        route = f"/f/{i}"
        routes[route] = Route(body=raw, headers=headers)
        paths[route] = path
    server = FixtureServer(routes)
    yield server, paths
    server.close()


def test_every_fixture_feed_ends_stored_or_recorded(corpus_server, tmp_path: Path) -> None:
    server, paths = corpus_server
    assert len(paths) >= 2100
    policy = fetch_policy(deadline=10.0)
    # 2,107 commits: on a real disk each one's fsync dominates the test's time; memory-backed is enough here.
    shm = Path("/dev/shm")
    db = (Path(tempfile.mkdtemp(dir=shm)) if shm.is_dir() else tmp_path) / "corpus.duckdb"
    outcomes: Counter[str] = Counter()
    slowest = 0.0
    with Fetcher(policy) as fetcher, open_writer(db) as conn:
        state.start_run(conn, "corpus")
        state.register_sources(conn, [(f"f{r.rsplit('/', 1)[1]}", server.url(r), None) for r in paths])
        for route in paths:
            name = f"f{route.rsplit('/', 1)[1]}"
            started = time.monotonic()
            try:
                poll = poll_feed(fetcher, server.url(route), etag=None, last_modified=None)
            except errors.ExtractorError as exc:
                batch = feed_failure_batch(name, exc, server.url(route))
                outcomes[f"failure:{exc.kind}"] += 1
            else:
                assert poll.feed is not None
                batch = SourceBatch(
                    source=name,
                    feed_status="ok",
                    entries=[EntryRow(e.key, e.guid, e.url, None) for e in poll.feed.entries],
                    fetches=fetch_rows(poll.hops, "feed"),
                )
                outcomes["stored"] += 1
            slowest = max(slowest, time.monotonic() - started)
            load.land_batch(conn, "corpus", batch)
    with duckdb.connect(str(db), read_only=True) as reader:
        stored = reader.execute("SELECT count(DISTINCT source) FROM source_state WHERE last_status = 'ok'").fetchone()
        failed = reader.execute("SELECT count(DISTINCT source) FROM failures").fetchone()
        entries = reader.execute("SELECT count(*) FROM entries").fetchone()
        unexplained = reader.execute(
            "SELECT count(*) FROM source_state WHERE last_status = 'failed' AND last_error IS NULL"
        ).fetchone()
    assert stored is not None
    assert failed is not None
    assert entries is not None
    assert stored[0] + failed[0] == len(paths), outcomes
    assert stored[0] == outcomes["stored"]
    assert unexplained == (0,)
    assert entries[0] > 1000
    assert slowest < policy.deadline + 5, "no fixture may hang a poll"
    if db.parent != tmp_path:
        shutil.rmtree(db.parent, ignore_errors=True)
    print(f"\nfeed corpus: {len(paths)} files, {dict(outcomes)}, {entries[0]} entries, slowest {slowest:.2f} s")
