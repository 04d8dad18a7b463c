DELETE FROM duplicate_clusters WHERE doc_id IN (SELECT unnest($1::VARCHAR[]))
