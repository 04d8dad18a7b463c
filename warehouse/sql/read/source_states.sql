-- What is remembered of the given sources between runs (sources never polled have no row).
SELECT source, etag, last_modified, last_status, last_success_at, consecutive_failures
FROM source_state
WHERE source IN (SELECT unnest($1::VARCHAR[]))
