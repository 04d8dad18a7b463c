-- BM25 over document bodies, from the incremental term tables with today's statistics:
-- k1 = 1.2, b = 0.75 (the fts extension's defaults). $1 = query stems, $2 = how many.
WITH corpus AS (
    SELECT count(*)::DOUBLE AS n, avg(terms) AS avgdl FROM unit_lengths WHERE comment_no = 0
),
query AS (
    SELECT f.term, ln(1 + (c.n - f.df + 0.5) / (f.df + 0.5)) AS idf
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
           sum(m.idf * m.tf * 2.2 / (m.tf + 1.2 * (0.25 + 0.75 * l.terms / c.avgdl))) AS score,
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
