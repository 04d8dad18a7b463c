-- Which distinct words of the texts in scope each alias word matches (case-insensitive unless cased;
-- a prefix matches any ending). Matching distinct words first keeps the prefix test off the big table.
CREATE OR REPLACE TEMP TABLE _hits AS
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
