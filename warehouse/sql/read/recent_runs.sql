-- The latest runs, newest first.
SELECT run_id, started_at, finished_at, status, sources_ok, sources_failed, documents_new
FROM runs
ORDER BY started_at DESC
LIMIT 10
