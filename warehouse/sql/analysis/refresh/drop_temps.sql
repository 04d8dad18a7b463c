-- The refresh's working tables, dropped so a long-lived connection does not keep them in memory.
DROP TABLE IF EXISTS _pending;
DROP TABLE IF EXISTS _scope;
DROP TABLE IF EXISTS _units;
DROP TABLE IF EXISTS _tf;
DROP TABLE IF EXISTS _hits;
DROP TABLE IF EXISTS _score_tf;
DROP TABLE IF EXISTS _seed_pairs;
DROP TABLE IF EXISTS _scores;
DROP TABLE IF EXISTS _bins;
DROP TABLE IF EXISTS _signatures;
DROP TABLE IF EXISTS _bands;
