-- The gazetteer the mentions were counted with.
SELECT entity, kind, aliases FROM gazetteer ORDER BY entity
