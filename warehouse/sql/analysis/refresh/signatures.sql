-- MinHash, step 2: the signature is the $1 bins in order. An empty bin borrows from the next non-empty
-- bin to its right (circularly), shifted by the distance, so bins stay comparable (densification by
-- rotation, Shrivastava & Li 2014): two signatures agree in a bin with probability the Jaccard
-- similarity of the two shingle sets, as with $1 independent hash functions, at the cost of one.
CREATE OR REPLACE TEMP TABLE _signatures AS
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
