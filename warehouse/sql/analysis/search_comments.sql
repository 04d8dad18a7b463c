-- BM25 over reader comments (each comment a unit), as search_documents.sql. $1 = query stems, $2 = how many.
WITH corpus AS (
    SELECT count(*)::DOUBLE AS n, avg(terms) AS avgdl FROM unit_lengths WHERE comment_no > 0
),
query AS (
    SELECT f.term, ln(1 + (c.n - f.df + 0.5) / (f.df + 0.5)) AS idf
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
           sum(m.idf * m.tf * 2.2 / (m.tf + 1.2 * (0.25 + 0.75 * l.terms / c.avgdl))) AS score,
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
