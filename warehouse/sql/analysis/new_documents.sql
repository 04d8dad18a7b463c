-- Documents landed after $1, the busiest comment threads first, with what the analysis says of them.
-- $2 = how many.
WITH fresh AS (
    SELECT doc_id, source, title, published_at, ingested_at, comment_count
    FROM documents
    WHERE ingested_at > $1
),
threads AS (
    SELECT c.doc_id,
           count(*) FILTER (WHERE c.depth = 0) AS threads,
           count(DISTINCT c.author) AS commenters,
           max(c.depth) AS deepest
    FROM comments c SEMI JOIN fresh f USING (doc_id)
    GROUP BY c.doc_id
),
named AS (
    SELECT m.doc_id, list(m.entity ORDER BY m.count DESC, m.entity)[1:3] AS top_mentions
    FROM mentions m SEMI JOIN fresh f USING (doc_id)
    WHERE NOT m.in_comments
    GROUP BY m.doc_id
)
SELECT f.doc_id, f.source, f.title,
       (f.published_at AT TIME ZONE 'UTC')::DATE AS published,
       f.ingested_at,
       f.comment_count AS comments,
       coalesce(t.threads, 0) AS threads,
       coalesce(t.commenters, 0) AS commenters,
       t.deepest,
       round(s.similarity, 3) AS to_seeds,
       n.top_mentions
FROM fresh f
LEFT JOIN threads t USING (doc_id)
LEFT JOIN seed_closeness s USING (doc_id)
LEFT JOIN named n USING (doc_id)
ORDER BY f.comment_count DESC, f.ingested_at DESC, f.doc_id
LIMIT $2
