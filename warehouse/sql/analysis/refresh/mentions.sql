-- Step 3 of the refresh: gazetteer mentions in every unit of _units, bodies and comments apart; the
-- gazetteer's tables are written anew first when it changed. Its working table _hits is its own.

-- name: clear_gazetteer
-- The gazetteer changed: both of its tables are written anew.
DELETE FROM gazetteer;
DELETE FROM gazetteer_patterns;

-- name: insert_entity
INSERT INTO gazetteer (entity, kind, aliases) VALUES ($1, $2, $3)

-- name: insert_pattern
INSERT INTO gazetteer_patterns (entity, kind, alias_no, words, position, mode, pattern)
VALUES ($1, $2, $3, $4, $5, $6, $7)

-- name: clear
-- The gazetteer changed: every mention is counted again (_units then holds every document analysed).
DELETE FROM mentions

-- name: word_hits
-- Which distinct words of the texts in scope each alias word matches (case-insensitive unless cased;
-- a prefix matches any ending). Matching distinct words first keeps the prefix test off the big table.
CREATE TEMP TABLE _hits AS
WITH vocabulary AS (
    SELECT DISTINCT unnest(words) AS word FROM _units
),
patterns AS (
    SELECT DISTINCT mode, pattern FROM gazetteer_patterns
),
exact AS (
    SELECT v.word, p.mode, p.pattern
    FROM vocabulary v JOIN patterns p ON p.mode = 'exact' AND p.pattern = lower(v.word)
),
cased AS (
    SELECT v.word, p.mode, p.pattern
    FROM vocabulary v JOIN patterns p ON p.mode = 'cased' AND p.pattern = v.word
),
prefixed AS (
    SELECT v.word, p.mode, p.pattern
    FROM vocabulary v JOIN patterns p ON p.mode = 'prefix' AND starts_with(lower(v.word), p.pattern)
)
SELECT * FROM exact
UNION ALL
SELECT * FROM cased
UNION ALL
SELECT * FROM prefixed

-- name: count
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

-- name: drop
DROP TABLE _hits;
