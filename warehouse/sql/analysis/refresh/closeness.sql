-- Step 4 of the refresh: TF-IDF closeness of the pending bodies (of every body, when the seed set
-- changed) to each seed and to the seed corpus as a whole. Its working tables are its own.
-- The weight of a term is tfidf_weight (migration 0006) with today's document frequencies.

-- name: seeds
-- The seeds closeness is measured against (those with indexed text).
SELECT coalesce(list(DISTINCT seed_id ORDER BY seed_id), []::VARCHAR[]) FROM seed_terms

-- name: clear
-- The seed set changed: every closeness score is recomputed.
DELETE FROM seed_similarity;
DELETE FROM seed_closeness;

-- name: scope_all
-- Bodies to score: all of them (the seed set changed, or a full rebuild).
CREATE TEMP TABLE _score_tf AS
WITH analysed AS (
    SELECT doc_id FROM analysis_documents
    UNION
    SELECT doc_id FROM _pending
)
SELECT t.doc_id, t.term, t.tf
FROM term_freqs t SEMI JOIN analysed a USING (doc_id)
WHERE t.comment_no = 0

-- name: scope_pending
-- Bodies to score: the pending ones (the terms step's _tf).
CREATE TEMP TABLE _score_tf AS
SELECT doc_id, term, tf FROM _tf WHERE comment_no = 0

-- name: seed_pairs
-- TF-IDF cosine between every two seeds (1 on the diagonal), N = bodies analysed.
CREATE TEMP TABLE _seed_pairs AS
WITH corpus AS (
    SELECT count(*)::DOUBLE AS n FROM unit_lengths WHERE comment_no = 0
),
weights AS (
    SELECT s.seed_id, s.term, tfidf_weight(s.tf, c.n, f.df) AS w
    FROM seed_terms s JOIN term_df f ON f.part = 'body' AND f.term = s.term, corpus c
),
norms AS (
    SELECT seed_id, sqrt(sum(w * w)) AS norm FROM weights GROUP BY seed_id
),
dots AS (
    SELECT a.seed_id AS a, b.seed_id AS b, sum(a.w * b.w) AS dot
    FROM weights a JOIN weights b USING (term)
    GROUP BY ALL
)
SELECT d.a, d.b, CASE WHEN d.a = d.b THEN 1.0 ELSE d.dot / (na.norm * nb.norm) END AS similarity
FROM dots d JOIN norms na ON na.seed_id = d.a JOIN norms nb ON nb.seed_id = d.b

-- name: seed_scores
-- TF-IDF cosine of each body in scope to each seed, with the same weights as _seed_pairs
-- (0 when they share no term).
CREATE TEMP TABLE _scores AS
WITH corpus AS (
    SELECT count(*)::DOUBLE AS n FROM unit_lengths WHERE comment_no = 0
),
seed_weights AS (
    SELECT s.seed_id, s.term, tfidf_weight(s.tf, c.n, f.df) AS w
    FROM seed_terms s JOIN term_df f ON f.part = 'body' AND f.term = s.term, corpus c
),
seed_norms AS (
    SELECT seed_id, sqrt(sum(w * w)) AS norm FROM seed_weights GROUP BY seed_id
),
doc_weights AS (
    SELECT t.doc_id, t.term, tfidf_weight(t.tf, c.n, f.df) AS w
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

-- name: insert_similarity
INSERT INTO seed_similarity
SELECT doc_id, seed_id, similarity FROM _scores WHERE doc_id <> seed_id

-- name: insert_closeness
-- Cosine to the seeds' centroid (the sum of their unit vectors), from the pairwise cosines alone:
-- sum_s cos(d, s) / |sum_s u_s|, with |sum_s u_s|^2 = sum over seed pairs. A seed is compared with the
-- centroid of the other seeds (its own row and column of pairs left out). $1 = documents analysed.
INSERT INTO seed_closeness
WITH total AS (
    SELECT sum(similarity) AS pairs FROM _seed_pairs
),
row_sums AS (
    SELECT a AS doc_id, sum(similarity) AS pairs FROM _seed_pairs GROUP BY a
),
numerators AS (
    SELECT doc_id, sum(similarity) FILTER (WHERE seed_id <> doc_id) AS num FROM _scores GROUP BY doc_id
)
SELECT n.doc_id,
       n.num / nullif(sqrt(t.pairs - 2 * coalesce(r.pairs, 0) + CASE WHEN r.doc_id IS NULL THEN 0 ELSE 1 END), 0),
       $1
FROM numerators n CROSS JOIN total t LEFT JOIN row_sums r USING (doc_id)

-- name: drop
-- (With no seeds yet the step scores nothing and makes none of them.)
DROP TABLE IF EXISTS _scores;
DROP TABLE IF EXISTS _seed_pairs;
DROP TABLE IF EXISTS _score_tf;
