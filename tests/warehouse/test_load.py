"""Landing batches into a real DuckDB file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from extractors.identity import content_hash
from tests.invariants import assert_invariants_hold
from warehouse import load, state
from warehouse.db import open_writer
from warehouse.errors import LandingError, WarehouseBusy
from warehouse.migrate import available
from warehouse.records import DocumentRow, EntryRow, FailureRow, FetchRow, RawPage, SourceBatch

NOW = datetime(2025, 3, 12, 8, tzinfo=UTC)


class C:
    """A comment with the attributes the warehouse reads."""

    def __init__(self, no: int, parent: int | None, depth: int, body: str) -> None:
        self.comment_no, self.parent_no, self.depth, self.body = no, parent, depth, body
        self.author, self.posted_at, self.by_post_author = "a", NOW, False


def doc(doc_id: str, url: str, body: str, comments: tuple[C, ...] = ()) -> DocumentRow:
    return DocumentRow(doc_id, "feed", "s", url, "T", "A", NOW, "day", "en", body, content_hash(body, "T"), comments)


def batch(*docs: DocumentRow) -> SourceBatch:
    return SourceBatch(
        source="s",
        feed_status="ok",
        documents=docs,
        raw_pages=[
            RawPage(d.url or "", d.url or "", "text/html", None, b"<html>" * 100, "x", NOW, d.doc_id) for d in docs
        ],
        entries=[EntryRow("k" + d.doc_id, None, d.url, d.doc_id) for d in docs],
        fetches=[FetchRow(d.url or "", 200, None, None, 600, NOW, "page", 1.0) for d in docs],
        failures=[FailureRow("u", "page", "timeout", "u: timed out", NOW)],
        etag='"e1"',
        last_modified="Mon, 03 Mar 2025 10:00:00 GMT",
    )


@pytest.fixture
def conn(tmp_path: Path):
    with open_writer(tmp_path / "w.duckdb") as connection:
        state.register_sources(connection, [("s", "https://s/feed", None)])
        state.start_run(connection, "r1")
        yield connection


def test_migrations_are_recorded_and_idempotent(tmp_path: Path) -> None:
    db = tmp_path / "m.duckdb"
    for _ in range(2):
        with open_writer(db) as connection:
            versions = connection.execute("SELECT version FROM schema_migrations ORDER BY 1").fetchall()
    assert [v[0] for v in versions] == [v for v, _ in available()]


def test_batch_lands_whole_and_a_rerun_never_duplicates(conn) -> None:
    d1 = doc("a" * 16, "https://s/1", "one two three", (C(1, None, 0, "x"), C(2, 1, 1, "y")))
    d2 = doc("b" * 16, "https://s/2", "four five")
    first = load.land_batch(conn, "r1", batch(d1, d2))
    again = load.land_batch(conn, "r1", batch(d1, d2))
    assert first.new_doc_ids == (d1.doc_id, d2.doc_id)
    assert again.new_doc_ids == ()
    assert conn.execute("SELECT count(*), sum(comment_count), sum(word_count) FROM documents").fetchone() == (2, 2, 5)
    assert conn.execute("SELECT count(*) FROM comments").fetchone() == (2,)
    assert conn.execute("SELECT count(*) FROM entries").fetchone() == (2,)
    assert conn.execute("SELECT etag, consecutive_failures FROM source_state").fetchone() == ('"e1"', 0)
    assert_invariants_hold(conn)


def test_exact_duplicate_body_at_another_url_is_folded_into_the_original(conn) -> None:
    load.land_batch(conn, "r1", batch(doc("a" * 16, "https://s/1", "same  words\nhere")))
    landed = load.land_batch(conn, "r1", batch(doc("c" * 16, "https://mirror/1", "same words here")))
    assert landed.new_doc_ids == ()
    assert landed.duplicates == (("https://mirror/1", "a" * 16),)
    assert conn.execute("SELECT doc_id FROM entries WHERE url = 'https://mirror/1'").fetchone() == ("a" * 16,)


def test_a_failing_batch_rolls_back_whole(conn) -> None:
    good = doc("a" * 16, "https://s/1", "fine")
    bad_comment = C(1, None, 0, None)  # type: ignore[arg-type]  # body NOT NULL is violated
    bad = doc("d" * 16, "https://s/4", "also fine", (bad_comment,))
    with pytest.raises(LandingError, match="rolled back"):
        load.land_batch(conn, "r1", batch(good, bad))
    for table in ("documents", "comments", "entries", "raw_pages", "fetches", "failures", "source_state"):
        assert conn.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,), table
    assert load.land_batch(conn, "r1", batch(good)).new_doc_ids == (good.doc_id,)


def test_failed_feed_counts_consecutive_failures_and_success_resets(conn) -> None:
    failed = SourceBatch(source="s", feed_status="failed", error="boom")
    load.land_batch(conn, "r1", failed)
    load.land_batch(conn, "r1", failed)
    assert state.source_state(conn, "s").consecutive_failures == 2
    load.land_batch(conn, "r1", SourceBatch(source="s", feed_status="not_modified"))
    assert state.source_state(conn, "s").consecutive_failures == 0


def test_unseen_filters_known_keys_and_urls(conn) -> None:
    load.land_batch(conn, "r1", batch(doc("a" * 16, "https://s/1", "x")))
    fresh = state.unseen(conn, "s", [("k" + "a" * 16, "https://s/9"), ("new1", "https://s/1"), ("new2", "https://s/2")])
    assert fresh == {"new2"}


def test_a_second_writer_waits_then_fails_clearly(tmp_path: Path) -> None:
    db = tmp_path / "busy.duckdb"
    with (
        open_writer(db),
        pytest.raises(WarehouseBusy, match="another tealeaves run is writing"),
        open_writer(db, wait=0.5),
    ):
        pass


def test_raw_pages_are_compressed_and_recoverable(conn) -> None:
    import gzip

    load.land_batch(conn, "r1", batch(doc("a" * 16, "https://s/1", "x")))
    raw, size = conn.execute("SELECT raw_gzip, raw_bytes FROM raw_pages").fetchone()
    assert gzip.decompress(raw) == b"<html>" * 100
    assert size == 600
    assert len(raw) < size


def test_duckdb_cli_style_reader_sees_the_tables(tmp_path: Path) -> None:
    db = tmp_path / "r.duckdb"
    with open_writer(db) as connection:
        load.land_seeds(
            connection,
            [DocumentRow("e" * 16, "seed", "seed", None, None, None, None, None, "en", "w", content_hash("w"))],
        )
    with duckdb.connect(str(db), read_only=True) as reader:
        assert reader.execute("SELECT origin, word_count FROM documents").fetchall() == [("seed", 1)]
