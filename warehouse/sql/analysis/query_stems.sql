-- The indexed stems of the query words in $1 (words never seen, or stop words, have none).
SELECT token, term FROM term_stems WHERE token IN (SELECT unnest($1::VARCHAR[])) ORDER BY token
