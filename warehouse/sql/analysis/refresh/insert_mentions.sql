-- Mentions per document, entity and part (body or comments). An alias's first word is found by its
-- position, the following words are checked at theirs; overlapping matches of one entity count once
-- ("Xi Jinping" matches the aliases "Xi", "Jinping" and "Xi Jinping": one mention).
INSERT INTO mentions
WITH positions AS (
    SELECT doc_id, comment_no, unnest(words) AS word, generate_subscripts(words, 1) AS pos FROM _units
),
starts AS (
    SELECT p.doc_id, p.comment_no, p.pos, a.entity, a.kind, a.alias_no, a.words
    FROM positions p
    JOIN _hits h ON h.word = p.word
    JOIN gazetteer_patterns a ON a.position = 0 AND a.mode = h.mode AND a.pattern = h.pattern
),
phrase_words AS (
    SELECT s.doc_id, s.comment_no, s.pos, s.alias_no, u.words[s.pos + a.position] AS word, a.mode, a.pattern
    FROM starts s
    JOIN gazetteer_patterns a ON a.alias_no = s.alias_no AND a.position > 0
    JOIN _units u ON u.doc_id = s.doc_id AND u.comment_no = s.comment_no
    WHERE s.words > 1
),
phrases AS (
    SELECT f.doc_id, f.comment_no, f.pos, f.alias_no, count(h.word) AS matched
    FROM phrase_words f
    LEFT JOIN _hits h ON h.word = f.word AND h.mode = f.mode AND h.pattern = f.pattern
    GROUP BY ALL
),
found AS (
    SELECT s.doc_id, s.comment_no, s.entity, s.kind, s.pos AS first, s.pos + s.words - 1 AS last
    FROM starts s
    LEFT JOIN phrases p USING (doc_id, comment_no, pos, alias_no)
    WHERE s.words = 1 OR p.matched = s.words - 1
),
runs AS (
    SELECT *,
           max(last) OVER (
               PARTITION BY doc_id, comment_no, entity ORDER BY first, last
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
           ) AS reached
    FROM found
)
SELECT doc_id, entity, any_value(kind) AS kind, count(*)::INTEGER AS count, comment_no > 0 AS in_comments
FROM runs
WHERE reached IS NULL OR first > reached
GROUP BY doc_id, entity, comment_no > 0
