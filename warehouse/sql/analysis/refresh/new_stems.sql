-- Stems for words never seen before: Snowball Russian for Cyrillic words, English otherwise.
-- Stop words ($1) and one-letter words get no stem, so they are never indexed.
INSERT INTO term_stems
WITH words AS (
    SELECT DISTINCT lower(unnest(words)) AS token FROM _units
),
fresh AS (
    SELECT w.token
    FROM words w ANTI JOIN term_stems s USING (token)
    WHERE length(w.token) > 1 AND NOT list_contains($1::VARCHAR[], w.token)
)
SELECT token, stem(token, CASE WHEN regexp_matches(token, '\p{Cyrillic}') THEN 'russian' ELSE 'english' END)
FROM fresh
