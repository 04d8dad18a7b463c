-- Stems for words never seen before: Snowball Russian for Cyrillic words, English otherwise.
-- Stop words ($1) and one-letter words get no stem, so they are never indexed.
INSERT INTO term_stems
WITH spellings AS (
    SELECT DISTINCT unnest(words) AS word FROM _units
),
words AS (
    SELECT DISTINCT lower(word) AS token FROM spellings
),
stop AS (
    SELECT unnest($1::VARCHAR[]) AS token
),
fresh AS (
    SELECT w.token
    FROM words w
    ANTI JOIN stop USING (token)
    ANTI JOIN term_stems s USING (token)
    WHERE length(w.token) > 1
)
SELECT token, stem(token, CASE WHEN regexp_matches(token, '\p{Cyrillic}') THEN 'russian' ELSE 'english' END)
FROM fresh
