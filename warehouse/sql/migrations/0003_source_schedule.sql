-- When each source may be polled next, and whether it is paused after failing again and again.
-- Written after every poll by warehouse.state.schedule_after_poll; read by warehouse.state.not_due.

-- No poll of the source before this time: the server's Retry-After, or the backoff after failures.
-- NULL: the source is polled on every run.
ALTER TABLE source_state ADD COLUMN next_poll_at TIMESTAMPTZ;
-- Why the source waits: 'retry_after' (the server asked), 'backoff' (it failed), 'paused' (it kept failing).
ALTER TABLE source_state ADD COLUMN wait_reason VARCHAR;
-- Set when consecutive_failures reached the pause threshold; a paused source is tried once a day, and
-- its next success (or warehouse.state.resume) clears this.
ALTER TABLE source_state ADD COLUMN paused_at TIMESTAMPTZ;
