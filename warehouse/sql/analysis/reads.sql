-- What warehouse/analysis/reads.py asks of the analysis for the CLI: search, trends, what's new. Read-only.

-- name: query_stems
-- The indexed stems of the query words in $1 (words never seen, or stop words, have none).
SELECT token, term FROM term_stems WHERE token IN (SELECT unnest($1::VARCHAR[])) ORDER BY token

-- name: search_documents
-- BM25 over document bodies, from the incremental term tables with today's statistics (bm25_idf and
-- bm25_term: migration 0006). $1 = query stems, $2 = how many.
WITH corpus AS (
    SELECT count(*)::DOUBLE AS n, avg(terms) AS avgdl FROM unit_lengths WHERE comment_no = 0
),
query AS (
    SELECT f.term, bm25_idf(c.n, f.df) AS idf
    FROM term_df f, corpus c
    WHERE f.part = 'body' AND f.term IN (SELECT unnest($1::VARCHAR[]))
),
matches AS (
    SELECT t.doc_id, q.idf, t.tf
    FROM term_freqs t JOIN query q USING (term)
    WHERE t.comment_no = 0
),
scored AS (
    SELECT m.doc_id,
           sum(bm25_term(m.idf, m.tf, l.terms, c.avgdl)) AS score,
           count(*) AS terms_matched
    FROM matches m
    JOIN unit_lengths l ON l.doc_id = m.doc_id AND l.comment_no = 0
    CROSS JOIN corpus c
    GROUP BY m.doc_id
)
SELECT s.doc_id, 0 AS comment_no, d.source, d.title, NULL AS author,
       (d.published_at AT TIME ZONE 'UTC')::DATE AS published, s.score, s.terms_matched, d.body
FROM scored s JOIN documents d USING (doc_id)
ORDER BY s.score DESC, s.doc_id
LIMIT $2

-- name: search_comments
-- BM25 over reader comments (each comment a unit), as search_documents. $1 = query stems, $2 = how many.
WITH corpus AS (
    SELECT count(*)::DOUBLE AS n, avg(terms) AS avgdl FROM unit_lengths WHERE comment_no > 0
),
query AS (
    SELECT f.term, bm25_idf(c.n, f.df) AS idf
    FROM term_df f, corpus c
    WHERE f.part = 'comment' AND f.term IN (SELECT unnest($1::VARCHAR[]))
),
matches AS (
    SELECT t.doc_id, t.comment_no, q.idf, t.tf
    FROM term_freqs t JOIN query q USING (term)
    WHERE t.comment_no > 0
),
scored AS (
    SELECT m.doc_id, m.comment_no,
           sum(bm25_term(m.idf, m.tf, l.terms, c.avgdl)) AS score,
           count(*) AS terms_matched
    FROM matches m
    JOIN unit_lengths l ON l.doc_id = m.doc_id AND l.comment_no = m.comment_no
    CROSS JOIN corpus c
    GROUP BY m.doc_id, m.comment_no
)
SELECT s.doc_id, s.comment_no, d.source, d.title, k.author,
       (coalesce(k.posted_at, d.published_at) AT TIME ZONE 'UTC')::DATE AS published, s.score, s.terms_matched, k.body
FROM scored s
JOIN comments k ON k.doc_id = s.doc_id AND k.comment_no = s.comment_no
JOIN documents d ON d.doc_id = s.doc_id
ORDER BY s.score DESC, s.doc_id, s.comment_no
LIMIT $2

-- name: entities
-- The gazetteer the mentions were counted with.
SELECT entity, kind, aliases FROM gazetteer ORDER BY entity

-- name: top_entities
-- The $2 most mentioned entities (article text) on or after day $1.
SELECT entity
FROM mentions_by_day
WHERE day >= $1
GROUP BY entity
ORDER BY sum(mentions) DESC, entity
LIMIT $2

-- name: trends
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

-- name: run_started
-- When ingest run $1 started (for `tealeaves new --since RUN`).
SELECT started_at FROM runs WHERE run_id = $1

-- name: new_summary
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

-- name: new_documents
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
