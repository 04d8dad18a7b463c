INSERT INTO fetches (run_id, source, url, status, etag, last_modified, bytes, fetched_at, kind, elapsed_ms)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
