"""A separate process for the storage tests: ``python -m tests.hardening.worker COMMAND DB ...``.

Commands
    land DB START END            land batches START..END-1, printing "committed N" after each COMMIT
    hold-writer DB               land batch 0, print "holding", wait for a line on stdin, land batch 1
    try-writer DB WAIT N         open the writer waiting WAIT s, land batch N; exit 1 with the message if busy
    hold-reader FILE             open FILE read-only as any DuckDB client would, print the document count,
                                 wait for a line on stdin, print the count again
    slow-query DB SECONDS        `tealeaves query`'s path: a query that runs until its SECONDS time limit
    fill DB LIMIT                land batches with the file size limited to LIMIT bytes (RLIMIT_FSIZE) until
                                 one fails; print the failure, lift the limit, reopen, print the count

Every batch is deterministic (batch N always holds the same ten documents), so a re-run can be checked
for duplicates and gaps.
"""

from __future__ import annotations

import hashlib
import resource
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path

from extractors.identity import content_hash
from warehouse import load, state
from warehouse.db import open_writer
from warehouse.errors import LandingError, WarehouseError
from warehouse.records import DocumentRow, EntryRow, FailureRow, FetchRow, RawPage, SourceBatch

DOCS_PER_BATCH = 10
COMMENTS_PER_DOC = 3
SOURCE = "crashy"
NOW = datetime(2025, 3, 12, 8, tzinfo=UTC)


class Comment:
    """The comment shape the warehouse reads."""

    def __init__(self, no: int, body: str) -> None:
        self.comment_no, self.parent_no, self.depth = no, (1 if no > 1 else None), (1 if no > 1 else 0)
        self.author, self.posted_at, self.body, self.by_post_author = "reader", NOW, body, False


def _words(seed: str, count: int) -> list[str]:
    words: list[str] = []
    digest = seed.encode()
    while len(words) < count:
        digest = hashlib.sha256(digest).digest()
        hexed = digest.hex()
        words.extend(hexed[i : i + 8] for i in range(0, 64, 8))
    return words[:count]


def doc_id(batch: int, n: int) -> str:
    return f"{batch:08x}{n:08x}"


def batch(number: int, filler: int = 2000) -> SourceBatch:
    """Batch ``number``: ten documents with three comments each, their raw pages, entries and fetches."""
    docs = []
    for n in range(DOCS_PER_BATCH):
        words = _words(f"{number}/{n}", filler // 9)  # hex words: text that compresses poorly, like a full disk wants
        body = f"batch {number} document {n} " + " ".join(words)
        comments = tuple(Comment(c, f"comment {c} on {number}/{n}") for c in range(1, COMMENTS_PER_DOC + 1))
        url = f"https://crashy.example/{number}/{n}"
        docs.append(
            DocumentRow(
                doc_id(number, n),
                "feed",
                SOURCE,
                url,
                f"T {number}/{n}",
                "A",
                NOW,
                "day",
                "en",
                body,
                content_hash(body, f"T {number}/{n}"),
                comments,
            )
        )
    return SourceBatch(
        source=SOURCE,
        feed_status="ok",
        documents=docs,
        raw_pages=[
            RawPage(d.url or "", d.url or "", "text/html", None, d.body.encode() * 4, "x", NOW, d.doc_id) for d in docs
        ],
        entries=[EntryRow(f"guid:{d.doc_id}", d.doc_id, d.url, d.doc_id) for d in docs],
        fetches=[FetchRow(d.url or "", 200, None, None, len(d.body), NOW, "page", 1.0) for d in docs],
        failures=[FailureRow(None, "page", "timeout", f"batch {number}: one page timed out", NOW)],
    )


def prepare(conn: object) -> None:
    state.register_sources(conn, [(SOURCE, "https://crashy.example/feed", None)])  # type: ignore[arg-type]
    state.start_run(conn, f"run-{datetime.now(UTC).timestamp()}")  # type: ignore[arg-type]


def _land(db: Path, start: int, end: int) -> None:
    with open_writer(db) as conn:
        prepare(conn)
        for number in range(start, end):
            load.land_batch(conn, "r", batch(number))
            print(f"committed {number}", flush=True)


def _hold_writer(db: Path) -> None:
    with open_writer(db) as conn:
        prepare(conn)
        load.land_batch(conn, "r", batch(0))
        print("holding", flush=True)
        sys.stdin.readline()
        load.land_batch(conn, "r", batch(1))
    print("done", flush=True)


def _try_writer(db: Path, wait: float, number: int) -> int:
    try:
        with open_writer(db, wait=wait) as conn:
            prepare(conn)
            load.land_batch(conn, "r", batch(number))
    except WarehouseError as exc:
        print(exc, file=sys.stderr, flush=True)
        return 1
    print(f"committed {number}", flush=True)
    return 0


def _hold_reader(path: Path) -> None:
    import duckdb

    with duckdb.connect(str(path), read_only=True) as conn:
        print(conn.execute("SELECT count(*) FROM documents").fetchone()[0], flush=True)  # type: ignore[index]
        sys.stdin.readline()
        print(conn.execute("SELECT count(*) FROM documents").fetchone()[0], flush=True)  # type: ignore[index]


def _slow_query(db: Path, seconds: float) -> int:
    from warehouse.errors import QueryError
    from warehouse.query import run_query

    print("querying", flush=True)
    try:
        run_query(db, "SELECT count(*) FROM range(100000000000) a, documents b", timeout=seconds)
    except QueryError as exc:
        print(exc, flush=True)
        return 0
    return 1


def _fill(db: Path, limit: int) -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # so a write past the limit fails with EFBIG instead
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    number = 0
    with open_writer(db) as conn:
        prepare(conn)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
        try:
            while number < 10_000:
                load.land_batch(conn, "r", batch(number, filler=50_000))
                print(f"committed {number}", flush=True)
                number += 1
        except LandingError as exc:
            print(f"failed {number}: {exc}", flush=True)
        finally:
            resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        print(f"still usable {conn.execute('SELECT count(*) FROM documents').fetchone()[0]}", flush=True)  # type: ignore[index]
    with open_writer(db) as conn:
        print(f"reopened {conn.execute('SELECT count(*) FROM documents').fetchone()[0]}", flush=True)  # type: ignore[index]


def main(argv: list[str]) -> int:
    command, db = argv[0], Path(argv[1])
    if command == "land":
        _land(db, int(argv[2]), int(argv[3]))
    elif command == "hold-writer":
        _hold_writer(db)
    elif command == "try-writer":
        return _try_writer(db, float(argv[2]), int(argv[3]))
    elif command == "hold-reader":
        _hold_reader(db)
    elif command == "slow-query":
        return _slow_query(db, float(argv[2]))
    elif command == "fill":
        _fill(db, int(argv[2]))
    else:
        print(f"unknown command {command!r}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
