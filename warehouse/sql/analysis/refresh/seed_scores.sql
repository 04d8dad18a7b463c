-- TF-IDF cosine of each body in scope to each seed, with the same weights as _seed_pairs
-- (0 when they share no term).
CREATE OR REPLACE TEMP TABLE _scores AS
WITH corpus AS (
    SELECT count(*)::DOUBLE AS n FROM unit_lengths WHERE comment_no = 0
),
seed_weights AS (
    SELECT s.seed_id, s.term, (1 + ln(s.tf)) * (ln((1 + c.n) / (1 + f.df)) + 1) AS w
    FROM seed_terms s JOIN term_df f ON f.part = 'body' AND f.term = s.term, corpus c
),
seed_norms AS (
    SELECT seed_id, sqrt(sum(w * w)) AS norm FROM seed_weights GROUP BY seed_id
),
doc_weights AS (
    SELECT t.doc_id, t.term, (1 + ln(t.tf)) * (ln((1 + c.n) / (1 + f.df)) + 1) AS w
    FROM _score_tf t JOIN term_df f ON f.part = 'body' AND f.term = t.term, corpus c
),
doc_norms AS (
    SELECT doc_id, sqrt(sum(w * w)) AS norm FROM doc_weights GROUP BY doc_id
),
dots AS (
    SELECT d.doc_id, s.seed_id, sum(d.w * s.w) AS dot
    FROM doc_weights d JOIN seed_weights s USING (term)
    GROUP BY ALL
)
SELECT dn.doc_id, sn.seed_id, coalesce(x.dot / (dn.norm * sn.norm), 0.0) AS similarity
FROM doc_norms dn
CROSS JOIN seed_norms sn
LEFT JOIN dots x ON x.doc_id = dn.doc_id AND x.seed_id = sn.seed_id
