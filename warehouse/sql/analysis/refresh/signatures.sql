-- MinHash signatures of the new bodies: word 5-grams (lower-cased; a shorter text is one shingle),
-- each hashed once, then one minimum per seed in $1 of hash(shingle XOR seed).
CREATE OR REPLACE TEMP TABLE _signatures AS
WITH bodies AS (
    SELECT u.doc_id, list_transform(u.words, w -> hash(lower(w))) AS h
    FROM _units u SEMI JOIN _pending p USING (doc_id)
    WHERE u.comment_no = 0 AND len(u.words) > 0
),
shingles AS (
    SELECT doc_id,
           list_distinct(list_transform(
               range(1, greatest(len(h) - 3, 1) + 1),
               i -> hash(h[i], h[i + 1], h[i + 2], h[i + 3], h[i + 4])
           )) AS shingles
    FROM bodies
)
SELECT doc_id, list_transform($1::UBIGINT[], k -> list_min(list_transform(shingles, x -> hash(xor(x, k))))) AS signature
FROM shingles
