-- MinHash, step 1, one-permutation hashing: each word 5-gram of a new body (lower-cased; a shorter text
-- is one shingle) is hashed once; the hash's remainder by $1 picks one of $1 bins, and each bin keeps
-- the smallest quotient. (Kept apart from step 2: as one statement DuckDB plans it several times slower.)
CREATE OR REPLACE TEMP TABLE _bins AS
WITH bodies AS (
    SELECT u.doc_id, list_transform(u.words, w -> hash(lower(w))) AS h
    FROM _units u SEMI JOIN _pending p USING (doc_id)
    WHERE u.comment_no = 0 AND len(u.words) > 0
),
shingles AS (
    SELECT doc_id,
           unnest(list_distinct(list_transform(
               range(1, greatest(len(h) - 3, 1) + 1),
               i -> hash(h[i], h[i + 1], h[i + 2], h[i + 3], h[i + 4])
           ))) AS x
    FROM bodies
),
binned AS (
    SELECT doc_id, (x % $1::UBIGINT)::INTEGER AS bin, min(x // $1::UBIGINT) AS v FROM shingles GROUP BY ALL
)
SELECT doc_id, bin, v FROM binned
