"""Landing: one source's batch in one transaction; exact duplicates folded, nothing half-written."""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import re
from collections.abc import Sequence
from datetime import UTC, datetime

import duckdb

from warehouse.errors import LandingError
from warehouse.records import DocumentRow, Landed, SourceBatch
from warehouse.sqlfiles import sql

_SPACE = re.compile(r"\s+")


def content_hash(body: str, title: str | None = None) -> str:
    """sha256 of the body with whitespace normalised and a leading line that repeats the title dropped
    (templates differ in whether the headline sits inside the article): the identity of an exact duplicate."""
    text = _SPACE.sub(" ", body).strip()
    heading = _SPACE.sub(" ", title or "").strip()
    if heading and text.startswith(heading) and text[len(heading) : len(heading) + 1] in ("", " "):
        text = text[len(heading) :].strip()
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def word_count(body: str) -> int:
    """Words as a reader would count them (runs of non-space)."""
    return len(body.split())


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
    hashes = [content_hash(d.body, d.title) for d in docs]
    by_hash = _lookup(conn, "read/doc_by_hash", hashes)
    by_url = _lookup(conn, "read/doc_by_url", [d.url for d in docs if d.url])
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
    doc_rows: list[list[object]] = []
    comment_rows: list[list[object]] = []
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
            [
                doc.doc_id,
                doc.origin,
                doc.source,
                doc.url,
                doc.title,
                doc.author,
                doc.published_at,
                doc.published_precision,
                doc.language,
                doc.body,
                word_count(doc.body),
                len(doc.comments),
                digest,
                now,
                run_id,
                doc.subtitle,
                doc.sitename,
                doc.feed_title,
                doc.extractor,
            ]
        )
        comment_rows.extend(
            [doc.doc_id, c.comment_no, c.parent_no, c.depth, c.author, c.posted_at, c.body, c.by_post_author]
            for c in doc.comments
        )
    if doc_rows:
        conn.executemany(sql("load/insert_document"), doc_rows)
    if comment_rows:
        conn.executemany(sql("load/insert_comment"), comment_rows)
    return Landed(new_doc_ids=tuple(new), duplicates=tuple(dups))


def land_batch(conn: duckdb.DuckDBPyConnection, run_id: str, batch: SourceBatch) -> Landed:
    """Write a source's documents, comments, raw pages, entries, fetches, failures and feed state
    in one transaction. On any error it is rolled back whole and LandingError says why."""
    now = datetime.now(UTC)
    conn.execute("BEGIN TRANSACTION")
    try:
        landed = _insert_documents(conn, batch.documents, run_id, now)
        duplicate_of = dict(landed.duplicates)
        if batch.raw_pages:
            conn.executemany(
                sql("load/insert_raw_page"),
                [
                    [
                        p.url,
                        p.fetched_url,
                        duplicate_of.get(p.url, p.doc_id),
                        p.content_type,
                        p.http_charset,
                        gzip.compress(p.raw, compresslevel=6),
                        len(p.raw),
                        p.extractor,
                        p.fetched_at,
                        run_id,
                    ]
                    for p in batch.raw_pages
                ],
            )
        if batch.entries:
            conn.executemany(
                sql("load/insert_entry"),
                [
                    [
                        batch.source,
                        e.entry_key,
                        e.guid,
                        e.url,
                        duplicate_of.get(e.url or "", e.doc_id),
                        now,
                        run_id,
                    ]
                    for e in batch.entries
                ],
            )
        if batch.fetches:
            conn.executemany(
                sql("load/insert_fetch"),
                [
                    [
                        run_id,
                        batch.source,
                        f.url,
                        f.status,
                        f.etag,
                        f.last_modified,
                        f.bytes,
                        f.fetched_at,
                        f.kind,
                        f.elapsed_ms,
                    ]
                    for f in batch.fetches
                ],
            )
        if batch.failures:
            conn.executemany(
                sql("load/insert_failure"),
                [[run_id, batch.source, f.url, f.stage, f.kind, f.message, f.at] for f in batch.failures],
            )
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
    conn.execute(sql("load/insert_failure"), [run_id, source, url, stage, kind, message, datetime.now(UTC)])
