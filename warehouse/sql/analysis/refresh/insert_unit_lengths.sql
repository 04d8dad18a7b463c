-- Indexed length of every new unit (0 for a text of stop words only), for BM25's length normalisation.
INSERT INTO unit_lengths
WITH lengths AS (
    SELECT doc_id, comment_no, sum(tf)::INTEGER AS terms FROM _tf GROUP BY ALL
)
SELECT u.doc_id, u.comment_no, coalesce(l.terms, 0)
FROM _units u LEFT JOIN lengths l USING (doc_id, comment_no)
