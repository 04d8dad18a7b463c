-- Step 5 of the refresh: MinHash signatures and LSH buckets of the pending bodies, then their
-- near-duplicates among all bodies (warehouse/analysis/clusters.py folds them into clusters).
-- Its working tables are its own.

-- name: shingle_bins
-- MinHash, part 1, one-permutation hashing: each word 5-gram of a pending body (lower-cased; a shorter
-- text is one shingle) is hashed once; the hash's remainder by $1 picks one of $1 bins, and each bin keeps
-- the smallest quotient. (Kept apart from part 2: as one statement DuckDB plans it several times slower.)
CREATE TEMP TABLE _bins AS
WITH bodies AS (
    SELECT u.doc_id, list_transform(u.words, w -> hash(lower(w))) AS h
    FROM _units u
    WHERE u.pending AND u.comment_no = 0 AND len(u.words) > 0
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

-- name: signatures
-- MinHash, part 2: the signature is the $1 bins in order. An empty bin borrows from the next non-empty
-- bin to its right (circularly), shifted by the distance, so bins stay comparable (densification by
-- rotation, Shrivastava & Li 2014): two signatures agree in a bin with probability the Jaccard
-- similarity of the two shingle sets, as with $1 independent hash functions, at the cost of one.
CREATE TEMP TABLE _signatures AS
WITH grid AS (
    SELECT d.doc_id, r.bin::INTEGER AS bin, b.v
    FROM (SELECT DISTINCT doc_id FROM _bins) d
    CROSS JOIN range($1) r(bin)
    LEFT JOIN _bins b ON b.doc_id = d.doc_id AND b.bin = r.bin
),
raw AS (
    SELECT doc_id, list(v ORDER BY bin) AS v, 18446744073709551615::UBIGINT // $1::UBIGINT AS span
    FROM grid
    GROUP BY doc_id
)
SELECT doc_id,
       list_transform(range(len(v)), b -> CASE
           WHEN v[b + 1] IS NOT NULL THEN v[b + 1]
           ELSE list_transform(
               list_filter(range(1, len(v)), t -> v[(b + t) % len(v) + 1] IS NOT NULL)[1:1],
               t -> (v[(b + t) % len(v) + 1] + t * span)::UBIGINT
           )[1]
       END) AS signature
FROM raw

-- name: insert_signatures
INSERT INTO minhash_signatures SELECT doc_id, signature FROM _signatures

-- name: bands
-- Locality-sensitive hashing of the pending bodies' signatures: $1 bands of $2 values each, one bucket
-- per band.
CREATE TEMP TABLE _bands AS
SELECT s.doc_id, b.band::INTEGER AS band, hash(list_slice(s.signature, b.band * $2 + 1, (b.band + 1) * $2)) AS bucket
FROM _signatures s CROSS JOIN (SELECT range AS band FROM range($1)) b

-- name: insert_bands
INSERT INTO minhash_bands SELECT doc_id, band, bucket FROM _bands

-- name: near_duplicates
-- Pending bodies that share a band bucket with another body (new or old), kept when their estimated
-- Jaccard similarity (minhash_similarity, migration 0006) is at least $1. Each pair once.
WITH candidates AS (
    SELECT DISTINCT least(n.doc_id, m.doc_id) AS a, greatest(n.doc_id, m.doc_id) AS b
    FROM _bands n JOIN minhash_bands m ON m.band = n.band AND m.bucket = n.bucket AND m.doc_id <> n.doc_id
),
scored AS (
    SELECT c.a, c.b, minhash_similarity(sa.signature, sb.signature) AS similarity
    FROM candidates c
    JOIN minhash_signatures sa ON sa.doc_id = c.a
    JOIN minhash_signatures sb ON sb.doc_id = c.b
)
SELECT a, b, similarity FROM scored WHERE similarity >= $1 ORDER BY a, b

-- name: drop
DROP TABLE _bands;
DROP TABLE _signatures;
DROP TABLE _bins;
