INSERT INTO raw_pages (url, fetched_url, doc_id, content_type, http_charset, raw_gzip, raw_bytes, extractor,
                       fetched_at, run_id)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT DO NOTHING
