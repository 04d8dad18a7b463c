-- The gazetteer changed: both of its tables are written anew.
DELETE FROM gazetteer;
DELETE FROM gazetteer_patterns;
