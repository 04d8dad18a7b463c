-- The first fetch of a page is kept.
INSERT INTO raw_pages BY NAME SELECT * FROM batch ON CONFLICT DO NOTHING
