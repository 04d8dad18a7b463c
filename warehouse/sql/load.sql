-- What warehouse/load.py runs: a source's batch landed in one transaction, exact duplicates folded.
-- The batch statements read the Arrow table `batch` (see warehouse/load.py insert_rows); columns match by name.

-- name: doc_by_hash
-- The documents already stored with any of the content hashes in $1.
SELECT content_hash, doc_id FROM documents WHERE content_hash IN (SELECT unnest($1::VARCHAR[]))

-- name: doc_by_url
-- The documents already stored at any of the canonical URLs in $1.
SELECT url, doc_id FROM documents WHERE url IN (SELECT unnest($1::VARCHAR[]))

-- name: insert_document
INSERT INTO documents BY NAME SELECT * FROM batch

-- name: insert_comment
INSERT INTO comments BY NAME SELECT * FROM batch

-- name: insert_raw_page
-- The first fetch of a page is kept.
INSERT INTO raw_pages BY NAME SELECT * FROM batch ON CONFLICT DO NOTHING

-- name: insert_entry
-- An entry already seen keeps its first record, unless a rule had dropped it: then it is what the rules
-- say now (fetched, or dropped by another rule).
INSERT INTO entries BY NAME SELECT * FROM batch
ON CONFLICT DO UPDATE SET
    guid = excluded.guid,
    url = excluded.url,
    doc_id = excluded.doc_id,
    dropped_by = excluded.dropped_by,
    run_id = excluded.run_id
WHERE entries.dropped_by IS NOT NULL

-- name: insert_fetch
INSERT INTO fetches BY NAME SELECT * FROM batch

-- name: insert_failure
INSERT INTO failures BY NAME SELECT * FROM batch

-- name: upsert_source_state
-- $1 source, $2 status (ok | not_modified | failed), $3 etag, $4 last_modified, $5 now, $6 error
INSERT INTO source_state AS s (source, etag, last_modified, last_status, last_attempt_at, last_success_at,
                               consecutive_failures, last_error)
VALUES ($1, $3, $4, $2, $5, CASE WHEN $2 = 'failed' THEN NULL ELSE $5 END, CASE WHEN $2 = 'failed' THEN 1 ELSE 0 END, $6)
ON CONFLICT (source) DO UPDATE SET
    etag                 = CASE WHEN $2 = 'ok' THEN $3 ELSE s.etag END,
    last_modified        = CASE WHEN $2 = 'ok' THEN $4 ELSE s.last_modified END,
    last_status          = $2,
    last_attempt_at      = $5,
    last_success_at      = CASE WHEN $2 = 'failed' THEN s.last_success_at ELSE $5 END,
    consecutive_failures = CASE WHEN $2 = 'failed' THEN s.consecutive_failures + 1 ELSE 0 END,
    last_error           = $6

-- name: record_failure
-- One failure outside any batch.
INSERT INTO failures (run_id, source, url, stage, kind, message, "at") VALUES (?, ?, ?, ?, ?, ?, ?)
