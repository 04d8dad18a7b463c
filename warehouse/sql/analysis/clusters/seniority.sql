-- The documents in $1, the likeliest original first: seeds, then the earliest published (else landed).
SELECT doc_id
FROM documents
WHERE doc_id IN (SELECT unnest($1::VARCHAR[]))
ORDER BY origin <> 'seed', coalesce(published_at, ingested_at), ingested_at, doc_id
