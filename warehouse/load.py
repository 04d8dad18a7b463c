"""Landing: one source's batch in one transaction; exact duplicates folded, nothing half-written."""

from __future__ import annotations

import contextlib
import gzip
from collections.abc import Sequence
from datetime import UTC, datetime

import duckdb
import pyarrow as pa

from warehouse.errors import LandingError
from warehouse.records import DocumentRow, Landed, SourceBatch
from warehouse.sqlfiles import sql


def word_count(body: str) -> int:
    """Words as a reader would count them (runs of non-space)."""
    return len(body.split())


def _utc(value: object) -> object:
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return value


def insert_rows(conn: duckdb.DuckDBPyConnection, name: str, rows: Sequence[dict[str, object]]) -> None:
    """Run the statement ``name`` (``load/insert_document``: an ``INSERT … BY NAME SELECT * FROM batch``) over
    ``rows``, handed to DuckDB as one Arrow table: a single statement instead of one per row (executemany costs
    about a millisecond a value with DuckDB's Python client)."""
    if not rows:
        return
    columns = list(rows[0])
    table = pa.table({column: [_utc(row[column]) for row in rows] for column in columns})
    conn.register("batch", table)
    try:
        conn.execute(sql(name))
    finally:
        conn.unregister("batch")


def _rollback(conn: duckdb.DuckDBPyConnection) -> None:
    """Undo the open transaction. When the COMMIT itself failed (disk full) DuckDB has already rolled
    it back (or, after a fatal error, closed the database), and a failing ROLLBACK must not hide the
    real error behind "no transaction is active"."""
    with contextlib.suppress(duckdb.Error):
        conn.execute("ROLLBACK")


def _lookup(conn: duckdb.DuckDBPyConnection, name: str, keys: Sequence[str]) -> dict[str, str]:
    if not keys:
        return {}
    return {row[0]: row[1] for row in conn.execute(sql(name), [list(keys)]).fetchall()}


def _insert_documents(
    conn: duckdb.DuckDBPyConnection, docs: Sequence[DocumentRow], run_id: str | None, now: datetime
) -> Landed:
    hashes = [d.content_hash for d in docs]
    by_hash = _lookup(conn, "load/doc_by_hash", hashes)
    by_url = _lookup(conn, "load/doc_by_url", [d.url for d in docs if d.url])
    by_id = (
        {
            row[0]
            for row in conn.execute(
                "SELECT doc_id FROM documents WHERE doc_id IN (SELECT unnest(?::VARCHAR[]))",
                [[d.doc_id for d in docs]],
            ).fetchall()
        }
        if docs
        else set()
    )
    new: list[str] = []
    dups: list[tuple[str, str]] = []
    doc_rows: list[dict[str, object]] = []
    comment_rows: list[dict[str, object]] = []
    for doc, digest in zip(docs, hashes, strict=True):
        existing = (by_url.get(doc.url) if doc.url else None) or by_hash.get(digest)
        if existing is None and doc.doc_id in by_id:
            existing = doc.doc_id
        if existing is not None:
            dups.append((doc.url or doc.doc_id, existing))
            continue
        by_hash[digest] = doc.doc_id
        if doc.url:
            by_url[doc.url] = doc.doc_id
        by_id.add(doc.doc_id)
        new.append(doc.doc_id)
        doc_rows.append(
            {
                "doc_id": doc.doc_id,
                "origin": doc.origin,
                "source": doc.source,
                "url": doc.url,
                "title": doc.title,
                "author": doc.author,
                "published_at": doc.published_at,
                "published_precision": doc.published_precision,
                "language": doc.language,
                "body": doc.body,
                "word_count": word_count(doc.body),
                "comment_count": len(doc.comments),
                "content_hash": digest,
                "ingested_at": now,
                "run_id": run_id,
                "subtitle": doc.subtitle,
                "sitename": doc.sitename,
                "feed_title": doc.feed_title,
                "extractor": doc.extractor,
            }
        )
        comment_rows.extend(
            {
                "doc_id": doc.doc_id,
                "comment_no": c.comment_no,
                "parent_no": c.parent_no,
                "depth": c.depth,
                "author": c.author,
                "posted_at": c.posted_at,
                "body": c.body,
                "by_post_author": c.by_post_author,
            }
            for c in doc.comments
        )
    insert_rows(conn, "load/insert_document", doc_rows)
    insert_rows(conn, "load/insert_comment", comment_rows)
    return Landed(new_doc_ids=tuple(new), duplicates=tuple(dups))


def land_batch(conn: duckdb.DuckDBPyConnection, run_id: str, batch: SourceBatch) -> Landed:
    """Write a source's documents, comments, raw pages, entries, fetches, failures and feed state (not for
    a backfill batch) in one transaction. On any error it is rolled back whole and LandingError says why."""
    now = datetime.now(UTC)
    conn.execute("BEGIN TRANSACTION")
    try:
        landed = _insert_documents(conn, batch.documents, run_id, now)
        duplicate_of = dict(landed.duplicates)
        insert_rows(
            conn,
            "load/insert_raw_page",
            [
                {
                    "url": p.url,
                    "fetched_url": p.fetched_url,
                    "doc_id": duplicate_of.get(p.url, p.doc_id),
                    "content_type": p.content_type,
                    "http_charset": p.http_charset,
                    "raw_gzip": gzip.compress(p.raw, compresslevel=3),
                    "raw_bytes": len(p.raw),
                    "extractor": p.extractor,
                    "fetched_at": p.fetched_at,
                    "run_id": run_id,
                    "encoding_note": p.encoding_note,
                }
                for p in batch.raw_pages
            ],
        )
        insert_rows(
            conn,
            "load/insert_entry",
            [
                {
                    "source": batch.source,
                    "entry_key": e.entry_key,
                    "guid": e.guid,
                    "url": e.url,
                    "doc_id": duplicate_of.get(e.url or "", e.doc_id),
                    "first_seen_at": now,
                    "run_id": run_id,
                    "dropped_by": e.dropped_by,
                }
                for e in batch.entries
            ],
        )
        insert_rows(
            conn,
            "load/insert_fetch",
            [
                {
                    "run_id": run_id,
                    "source": batch.source,
                    "url": f.url,
                    "status": f.status,
                    "etag": f.etag,
                    "last_modified": f.last_modified,
                    "bytes": f.bytes,
                    "fetched_at": f.fetched_at,
                    "kind": f.kind,
                    "elapsed_ms": f.elapsed_ms,
                }
                for f in batch.fetches
            ],
        )
        insert_rows(
            conn,
            "load/insert_failure",
            [
                {
                    "run_id": run_id,
                    "source": batch.source,
                    "url": f.url,
                    "stage": f.stage,
                    "kind": f.kind,
                    "message": f.message,
                    "at": f.at,
                }
                for f in batch.failures
            ],
        )
        if not batch.backfill:  # a backfill says nothing about the feed: its validators and health stay
            conn.execute(
                sql("load/upsert_source_state"),
                [batch.source, batch.feed_status, batch.etag, batch.last_modified, now, batch.error],
            )
        conn.execute("COMMIT")
    except (duckdb.Error, OSError) as exc:
        _rollback(conn)
        raise LandingError(f"could not write the batch of source {batch.source!r}; it was rolled back: {exc}") from exc
    return landed


def land_seeds(conn: duckdb.DuckDBPyConnection, docs: Sequence[DocumentRow]) -> Landed:
    """Load the seed corpus idempotently (documents already present are left as they are)."""
    conn.execute("BEGIN TRANSACTION")
    try:
        landed = _insert_documents(conn, docs, None, datetime.now(UTC))
        conn.execute("COMMIT")
    except duckdb.Error as exc:
        _rollback(conn)
        raise LandingError(f"could not load the seed corpus; it was rolled back: {exc}") from exc
    return landed


def record_failure(
    conn: duckdb.DuckDBPyConnection,
    run_id: str | None,
    source: str | None,
    url: str | None,
    stage: str,
    kind: str,
    message: str,
) -> None:
    """Record one failure outside any batch (e.g. a batch that could not land)."""
    conn.execute(sql("load/record_failure"), [run_id, source, url, stage, kind, message, datetime.now(UTC)])
