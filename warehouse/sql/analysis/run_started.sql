-- When ingest run $1 started (for `tealeaves new --since RUN`).
SELECT started_at FROM runs WHERE run_id = $1
