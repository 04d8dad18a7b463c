-- Mentions of the entities in $1 per period ($3: 'day', 'week' or 'month') on or after day $2:
-- documents and outlets mentioning them in the article text, mentions there and in comments.
WITH dated AS (
    SELECT doc_id, source, (coalesce(published_at, ingested_at) AT TIME ZONE 'UTC')::DATE AS day FROM documents
),
counted AS (
    SELECT m.entity, date_trunc($3, d.day)::DATE AS period, m.doc_id, d.source, m.count, m.in_comments
    FROM mentions m JOIN dated d USING (doc_id)
    WHERE m.entity IN (SELECT unnest($1::VARCHAR[])) AND d.day >= $2
)
SELECT entity,
       period,
       count(DISTINCT doc_id) FILTER (WHERE NOT in_comments) AS documents,
       coalesce(sum(count) FILTER (WHERE NOT in_comments), 0)::BIGINT AS mentions,
       count(DISTINCT source) FILTER (WHERE NOT in_comments) AS outlets,
       coalesce(sum(count) FILTER (WHERE in_comments), 0)::BIGINT AS comment_mentions
FROM counted
GROUP BY entity, period
ORDER BY entity, period
