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
