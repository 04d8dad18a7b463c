-- $1 source, $2 status (ok | not_modified | failed), $3 etag, $4 last_modified, $5 now, $6 error
INSERT INTO source_state AS s (source, etag, last_modified, last_status, last_attempt_at, last_success_at,
                               consecutive_failures, last_error)
VALUES ($1, $3, $4, $2, $5, CASE WHEN $2 = 'failed' THEN NULL ELSE $5 END, CASE WHEN $2 = 'failed' THEN 1 ELSE 0 END, $6)
ON CONFLICT (source) DO UPDATE SET
    etag                 = CASE WHEN $2 = 'ok' THEN $3 ELSE s.etag END,
    last_modified        = CASE WHEN $2 = 'ok' THEN $4 ELSE s.last_modified END,
    last_status          = $2,
    last_attempt_at      = $5,
    last_success_at      = CASE WHEN $2 = 'failed' THEN s.last_success_at ELSE $5 END,
    consecutive_failures = CASE WHEN $2 = 'failed' THEN s.consecutive_failures + 1 ELSE 0 END,
    last_error           = $6
