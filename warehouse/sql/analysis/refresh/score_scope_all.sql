-- Bodies to score for closeness: all of them (the seed set changed, or a full rebuild).
CREATE OR REPLACE TEMP TABLE _score_tf AS
WITH analysed AS (
    SELECT doc_id FROM analysis_documents
    UNION
    SELECT doc_id FROM _pending
)
SELECT t.doc_id, t.term, t.tf
FROM term_freqs t SEMI JOIN analysed a USING (doc_id)
WHERE t.comment_no = 0
