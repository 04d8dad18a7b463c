INSERT INTO entries (source, entry_key, guid, url, doc_id, first_seen_at, run_id)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT DO NOTHING
