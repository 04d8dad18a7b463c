-- Step 2 of the refresh: stems, term frequencies, lengths and document frequencies of the pending units
-- (the BM25 and TF-IDF tables), and the seeds' own terms. Its working table _tf is read by the closeness
-- step too, and dropped after it.

-- name: new_stems
-- Stems for words never seen before: Snowball Russian for Cyrillic words, English otherwise.
-- Stop words ($1) and one-letter words get no stem, so they are never indexed.
INSERT INTO term_stems
WITH spellings AS (
    SELECT DISTINCT unnest(words) AS word FROM _units WHERE pending
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

-- name: counts
-- Term frequencies of the pending units (words mapped to their stems; stop words drop out in the join).
CREATE TEMP TABLE _tf AS
WITH tokens AS (
    SELECT doc_id, comment_no, lower(unnest(words)) AS token FROM _units WHERE pending
),
stemmed AS (
    SELECT t.doc_id, t.comment_no, s.term FROM tokens t JOIN term_stems s USING (token)
)
SELECT doc_id, comment_no, term, count(*)::INTEGER AS tf
FROM stemmed
GROUP BY ALL

-- name: insert_freqs
INSERT INTO term_freqs SELECT doc_id, comment_no, term, tf FROM _tf

-- name: insert_lengths
-- Indexed length of every pending unit (0 for a text of stop words only), for BM25's length normalisation.
INSERT INTO unit_lengths
WITH lengths AS (
    SELECT doc_id, comment_no, sum(tf)::INTEGER AS terms FROM _tf GROUP BY ALL
)
SELECT u.doc_id, u.comment_no, coalesce(l.terms, 0)
FROM _units u LEFT JOIN lengths l USING (doc_id, comment_no)
WHERE u.pending

-- name: upsert_df
-- Document frequencies grow by the pending units only.
INSERT INTO term_df
WITH counted AS (
    SELECT CASE WHEN comment_no = 0 THEN 'body' ELSE 'comment' END AS part, term, count(*) AS df
    FROM _tf
    GROUP BY ALL
)
SELECT part, term, df FROM counted
ON CONFLICT DO UPDATE SET df = term_df.df + excluded.df

-- name: insert_seed_terms
-- The seeds' own term frequencies, kept apart so closeness never scans term_freqs.
INSERT INTO seed_terms
SELECT t.doc_id, t.term, t.tf
FROM _tf t JOIN _pending p USING (doc_id)
WHERE p.origin = 'seed' AND t.comment_no = 0

-- name: drop
DROP TABLE _tf;
