-- Step 1 of the refresh (warehouse/analysis/incremental.py): the documents it processes and the texts it
-- reads. Its working tables, _pending and _units, are read by every later step and dropped after the last.

-- name: summary
-- How much a refresh would process, before any working table is made: the documents absent from the
-- ledger (so a clock that went back loses nothing), their comments, the newest landing time.
WITH pending AS (
    SELECT d.doc_id, d.ingested_at FROM documents d ANTI JOIN analysis_documents a USING (doc_id)
),
replies AS (
    SELECT count(*) AS comments FROM comments c SEMI JOIN pending p USING (doc_id)
)
SELECT count(*) AS documents, (SELECT comments FROM replies) AS comments, max(ingested_at) AS newest
FROM pending

-- name: pending
-- The documents this refresh processes: those absent from the ledger.
CREATE TEMP TABLE _pending AS
SELECT d.doc_id, d.origin, d.ingested_at
FROM documents d
ANTI JOIN analysis_documents a USING (doc_id)

-- name: units
-- The texts in scope as words: each body (comment_no 0) and each comment of the pending documents
-- (`pending`) and, when $1 (the gazetteer changed, so mentions are recounted everywhere), of every
-- document analysed before, which only the mentions step reads. Split on anything that is not a letter
-- or a digit, case kept (the gazetteer has case-sensitive aliases).
CREATE TEMP TABLE _units AS
WITH scope AS (
    SELECT doc_id, true AS pending FROM _pending
    UNION ALL
    SELECT doc_id, false AS pending FROM analysis_documents WHERE $1
),
bodies AS (
    SELECT d.doc_id, 0 AS comment_no, s.pending, d.body
    FROM documents d JOIN scope s USING (doc_id)
),
replies AS (
    SELECT c.doc_id, c.comment_no, s.pending, c.body
    FROM comments c JOIN scope s USING (doc_id)
),
texts AS (
    SELECT * FROM bodies
    UNION ALL
    SELECT * FROM replies
)
SELECT doc_id, comment_no, pending,
       list_filter(string_split_regex(body, '[^\p{L}\p{N}]+'), w -> w <> '') AS words
FROM texts

-- name: drop
DROP TABLE _units;
DROP TABLE _pending;
