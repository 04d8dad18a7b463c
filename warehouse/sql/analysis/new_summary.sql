-- Everything landed after $1: documents, comments, outlets, the newest landing (the next "last look").
WITH fresh AS (
    SELECT doc_id, source, ingested_at, comment_count FROM documents WHERE ingested_at > $1
)
SELECT count(*) AS documents,
       coalesce(sum(comment_count), 0)::BIGINT AS comments,
       count(DISTINCT source) AS outlets,
       max(ingested_at) AS newest,
       (SELECT count(*) FROM analysis_documents a SEMI JOIN fresh f USING (doc_id)) AS analysed
FROM fresh
