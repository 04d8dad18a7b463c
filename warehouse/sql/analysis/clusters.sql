-- What warehouse/analysis/clusters.py runs: near-duplicate pairs folded into duplicate_clusters in place.

-- name: members
-- Every member of the clusters that any of the documents in $1 belongs to.
WITH touched AS (
    SELECT DISTINCT cluster_id FROM duplicate_clusters WHERE doc_id IN (SELECT unnest($1::VARCHAR[]))
)
SELECT c.cluster_id, c.doc_id
FROM duplicate_clusters c SEMI JOIN touched USING (cluster_id)

-- name: seniority
-- The documents in $1, the likeliest original first: seeds, then the earliest published (else landed).
SELECT doc_id
FROM documents
WHERE doc_id IN (SELECT unnest($1::VARCHAR[]))
ORDER BY origin <> 'seed', coalesce(published_at, ingested_at), ingested_at, doc_id

-- name: pair_similarity
-- Estimated Jaccard similarity of each (a, b) pair, $1[i] with $2[i], from their MinHash signatures.
WITH pairs AS (
    SELECT unnest($1::VARCHAR[]) AS a, unnest($2::VARCHAR[]) AS b
)
SELECT p.a, p.b, minhash_similarity(sa.signature, sb.signature) AS similarity
FROM pairs p
JOIN minhash_signatures sa ON sa.doc_id = p.a
JOIN minhash_signatures sb ON sb.doc_id = p.b

-- name: delete_members
-- The documents in $1 leave their clusters (they are written again with their new cluster).
DELETE FROM duplicate_clusters WHERE doc_id IN (SELECT unnest($1::VARCHAR[]))

-- name: insert_member
INSERT INTO duplicate_clusters (cluster_id, doc_id, similarity) VALUES ($1, $2, $3)
