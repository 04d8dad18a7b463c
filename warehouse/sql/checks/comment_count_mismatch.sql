-- documents.comment_count equals the rows in comments.
WITH counted AS (SELECT doc_id, count(*) AS n FROM comments GROUP BY doc_id)
SELECT d.doc_id, d.comment_count, coalesce(c.n, 0) AS rows
FROM documents d LEFT JOIN counted c USING (doc_id)
WHERE d.comment_count <> coalesce(c.n, 0)
