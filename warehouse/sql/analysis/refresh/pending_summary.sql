-- How much this refresh processes: documents, their comments, the newest landing time.
WITH replies AS (
    SELECT count(*) AS comments FROM comments c SEMI JOIN _pending p USING (doc_id)
)
SELECT count(*) AS documents, (SELECT comments FROM replies) AS comments, max(ingested_at) AS newest
FROM _pending
