-- TF-IDF cosine between every two seeds (1 on the diagonal), with today's document frequencies:
-- weight = (1 + ln tf) * (ln((1 + N) / (1 + df)) + 1), N = bodies analysed.
CREATE OR REPLACE TEMP TABLE _seed_pairs AS
WITH corpus AS (
    SELECT count(*)::DOUBLE AS n FROM unit_lengths WHERE comment_no = 0
),
weights AS (
    SELECT s.seed_id, s.term, (1 + ln(s.tf)) * (ln((1 + c.n) / (1 + f.df)) + 1) AS w
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
