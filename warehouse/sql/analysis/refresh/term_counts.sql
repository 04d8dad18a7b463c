-- Term frequencies of the new units (words mapped to their stems; stop words drop out in the join).
CREATE OR REPLACE TEMP TABLE _tf AS
WITH tokens AS (
    SELECT doc_id, comment_no, lower(unnest(words)) AS token FROM _units
),
stemmed AS (
    SELECT t.doc_id, t.comment_no, s.term FROM tokens t JOIN term_stems s USING (token)
)
SELECT doc_id, comment_no, term, count(*)::INTEGER AS tf
FROM stemmed
GROUP BY ALL
