-- What warehouse/health.py and `tealeaves status` read: per-source health, recent runs, a run's failures.

-- name: source_status
-- Per-source health for `tealeaves status`: source_health plus the polling schedule, with 'paused'
-- as the status of a source that kept failing, and how many entries each keep/block rule dropped.
WITH docs AS (SELECT source, count(*) AS documents, max(ingested_at) AS last_document_at FROM documents GROUP BY source),
by_rule AS (
    SELECT source, dropped_by, count(*) AS n FROM entries WHERE dropped_by IS NOT NULL GROUP BY source, dropped_by
),
dropped AS (
    SELECT source, sum(n)::BIGINT AS dropped, string_agg(dropped_by || ': ' || n, '; ' ORDER BY n DESC, dropped_by) AS dropped_by
    FROM by_rule GROUP BY source
)
SELECT s.name AS source,
       CASE WHEN st.paused_at IS NOT NULL THEN 'paused' ELSE coalesce(st.last_status, 'never polled') END AS status,
       st.last_attempt_at,
       st.last_success_at,
       coalesce(st.consecutive_failures, 0) AS consecutive_failures,
       st.next_poll_at,
       st.wait_reason,
       coalesce(d.documents, 0) AS documents,
       coalesce(dr.dropped, 0) AS dropped,
       dr.dropped_by,
       st.last_error
FROM sources s
LEFT JOIN source_state st ON st.source = s.name
LEFT JOIN docs d ON d.source = s.name
LEFT JOIN dropped dr ON dr.source = s.name
ORDER BY s.name

-- name: recent_runs
-- The latest runs, newest first.
SELECT run_id, started_at, finished_at, status, sources_ok, sources_failed, documents_new
FROM runs
ORDER BY started_at DESC
LIMIT 10

-- name: run_failures
-- The failures one run recorded ($1 run_id, $2 limit).
SELECT source, stage, kind, url, message, "at"
FROM failures
WHERE run_id = $1
ORDER BY "at"
LIMIT $2
