INSERT INTO documents (doc_id, origin, source, url, title, author, published_at, published_precision, language,
                       body, word_count, comment_count, content_hash, ingested_at, run_id, subtitle, sitename,
                       feed_title, extractor)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
