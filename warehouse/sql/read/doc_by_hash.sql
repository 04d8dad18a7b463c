SELECT content_hash, doc_id FROM documents WHERE content_hash IN (SELECT unnest($1::VARCHAR[]))
