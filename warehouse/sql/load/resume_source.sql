-- $1 source: a fresh start (someone fixed it): no pause, no wait, no failures counted.
UPDATE source_state SET next_poll_at = NULL, wait_reason = NULL, paused_at = NULL, consecutive_failures = 0
WHERE source = $1
