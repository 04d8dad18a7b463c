INSERT INTO gazetteer_patterns (entity, kind, alias_no, words, position, mode, pattern)
VALUES ($1, $2, $3, $4, $5, $6, $7)
