-- The failures one run recorded ($1 run_id, $2 limit).
SELECT source, stage, kind, url, message, "at"
FROM failures
WHERE run_id = $1
ORDER BY "at"
LIMIT $2
