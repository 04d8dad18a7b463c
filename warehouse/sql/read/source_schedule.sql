-- The polling schedule of the given sources: failures in a row, the wait, and its reason.
SELECT source, consecutive_failures, next_poll_at, wait_reason, paused_at
FROM source_state
WHERE source IN (SELECT unnest($1::VARCHAR[]))
