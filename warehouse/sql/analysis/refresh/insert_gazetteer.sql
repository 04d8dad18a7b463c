INSERT INTO gazetteer (entity, kind, aliases) VALUES ($1, $2, $3)
