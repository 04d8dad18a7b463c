-- The texts in scope as words: each body (comment_no 0) and each comment, split on anything that is
-- not a letter or a digit, case kept (the gazetteer has case-sensitive aliases).
CREATE OR REPLACE TEMP TABLE _units AS
WITH bodies AS (
    SELECT d.doc_id, 0 AS comment_no, d.body
    FROM documents d SEMI JOIN _scope s USING (doc_id)
),
replies AS (
    SELECT c.doc_id, c.comment_no, c.body
    FROM comments c SEMI JOIN _scope s USING (doc_id)
),
texts AS (
    SELECT * FROM bodies
    UNION ALL
    SELECT * FROM replies
)
SELECT doc_id, comment_no, list_filter(string_split_regex(body, '[^\p{L}\p{N}]+'), w -> w <> '') AS words
FROM texts
