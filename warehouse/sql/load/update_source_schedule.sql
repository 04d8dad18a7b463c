-- $1 source, $2 next_poll_at (NULL: any time), $3 wait_reason, $4 paused (boolean), $5 now
UPDATE source_state SET
    next_poll_at = $2,
    wait_reason  = $3,
    paused_at    = CASE WHEN $4 THEN coalesce(paused_at, $5) ELSE NULL END
WHERE source = $1
