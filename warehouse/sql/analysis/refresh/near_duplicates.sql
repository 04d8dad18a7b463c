-- New bodies that share a band bucket with another body (new or old), kept when their estimated
-- Jaccard similarity (the share of equal signature values) is at least $1. Each pair once.
WITH candidates AS (
    SELECT DISTINCT least(n.doc_id, m.doc_id) AS a, greatest(n.doc_id, m.doc_id) AS b
    FROM _bands n JOIN minhash_bands m ON m.band = n.band AND m.bucket = n.bucket AND m.doc_id <> n.doc_id
),
scored AS (
    SELECT c.a, c.b,
           list_sum(list_transform(list_zip(sa.signature, sb.signature), p -> (p[1] = p[2])::INTEGER))
               / len(sa.signature) AS similarity
    FROM candidates c
    JOIN minhash_signatures sa ON sa.doc_id = c.a
    JOIN minhash_signatures sb ON sb.doc_id = c.b
)
SELECT a, b, similarity FROM scored WHERE similarity >= $1 ORDER BY a, b
