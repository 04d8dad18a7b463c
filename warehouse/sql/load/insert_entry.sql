-- An entry already seen keeps its first record.
INSERT INTO entries BY NAME SELECT * FROM batch ON CONFLICT DO NOTHING
