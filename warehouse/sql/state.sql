-- What warehouse/state.py runs: sources, runs, and each source's polling state between runs.

-- name: upsert_source
-- $1 names, $2 feed URLs, $3 site URLs (arrays of one length), $4 now: one statement for all sources.
INSERT INTO sources (name, feed_url, site_url, added_at)
SELECT unnest($1::VARCHAR[]), unnest($2::VARCHAR[]), unnest($3::VARCHAR[]), $4
ON CONFLICT (name) DO UPDATE SET feed_url = excluded.feed_url, site_url = excluded.site_url

-- name: source_states
-- What is remembered of the given sources between runs (sources never polled have no row).
SELECT source, etag, last_modified, last_status, last_success_at, consecutive_failures
FROM source_state
WHERE source IN (SELECT unnest($1::VARCHAR[]))

-- name: start_run
INSERT INTO runs (run_id, started_at, status) VALUES (?, ?, 'running')

-- name: finish_run
UPDATE runs SET finished_at = ?, sources_ok = ?, sources_failed = ?, documents_new = ?, status = ? WHERE run_id = ?

-- name: existing_entry_keys
-- Which of the entry keys in $2 source $1 has already seen (an entry a rule dropped is seen again, under
-- the rules of the day).
SELECT entry_key FROM entries
WHERE source = $1 AND entry_key IN (SELECT unnest($2::VARCHAR[])) AND dropped_by IS NULL

-- name: existing_urls
-- Which of the given canonical URLs are already a document or a settled entry.
SELECT url FROM documents WHERE url IN (SELECT unnest($1::VARCHAR[]))
UNION
SELECT url FROM entries WHERE url IN (SELECT unnest($1::VARCHAR[])) AND dropped_by IS NULL

-- name: source_schedule
-- The polling schedule of the given sources: failures in a row, the wait, and its reason.
SELECT source, consecutive_failures, next_poll_at, wait_reason, paused_at
FROM source_state
WHERE source IN (SELECT unnest($1::VARCHAR[]))

-- name: update_source_schedule
-- $1 source, $2 next_poll_at (NULL: any time), $3 wait_reason, $4 paused (boolean), $5 now
UPDATE source_state SET
    next_poll_at = $2,
    wait_reason  = $3,
    paused_at    = CASE WHEN $4 THEN coalesce(paused_at, $5) ELSE NULL END
WHERE source = $1

-- name: resume_source
-- $1 source: a fresh start (someone fixed it): no pause, no wait, no failures counted.
UPDATE source_state SET next_poll_at = NULL, wait_reason = NULL, paused_at = NULL, consecutive_failures = 0
WHERE source = $1

-- name: robots_files
-- The robots.txt answers fetched after $1 (those still to be trusted).
SELECT origin, outcome, body, fetched_at FROM robots_txt WHERE fetched_at > $1

-- name: upsert_robots_file
-- One robots.txt answer per site: the newest replaces the one before (rows from the Arrow table `batch`).
INSERT INTO robots_txt BY NAME SELECT * FROM batch
ON CONFLICT (origin) DO UPDATE SET outcome = excluded.outcome, body = excluded.body, fetched_at = excluded.fetched_at

-- name: keep_feed_hints
-- $1 source, $2 the feed's polling hints as JSON (from the last answer that carried a feed)
UPDATE source_state SET feed_hints = $2 WHERE source = $1

-- name: feed_hints
-- The polling hints of the given source's feed, as its last read answer gave them (NULL: none kept).
SELECT feed_hints FROM source_state WHERE source = $1

-- name: publishing_history
-- $1 source, $2 since: how many of its entries were first seen since $2 after its first landing (whose
-- backlog is old news, not a rate), and when it was first landed (NULL: no entry yet).
-- One scan of the source's entries: its first landing is the smallest first_seen_at among them.
WITH seen AS (SELECT first_seen_at, min(first_seen_at) OVER () AS landed_at FROM entries WHERE source = $1)
SELECT count(*) FILTER (WHERE first_seen_at > landed_at AND first_seen_at >= $2), min(landed_at)
FROM seen
