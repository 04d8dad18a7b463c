SELECT url, doc_id FROM documents WHERE url IN (SELECT unnest($1::VARCHAR[]))
