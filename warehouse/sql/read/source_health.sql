-- Per-source health: last poll, last success, failures in a row, documents stored.
WITH docs AS (SELECT source, count(*) AS documents, max(ingested_at) AS last_document_at FROM documents GROUP BY source)
SELECT s.name AS source,
       coalesce(st.last_status, 'never polled') AS status,
       st.last_attempt_at,
       st.last_success_at,
       coalesce(st.consecutive_failures, 0) AS consecutive_failures,
       coalesce(d.documents, 0) AS documents,
       st.last_error
FROM sources s
LEFT JOIN source_state st ON st.source = s.name
LEFT JOIN docs d ON d.source = s.name
ORDER BY s.name
