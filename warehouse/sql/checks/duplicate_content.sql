-- No two documents carry the same body (exact duplicates are folded at landing).
SELECT content_hash, count(*) AS documents FROM documents GROUP BY content_hash HAVING count(*) > 1
