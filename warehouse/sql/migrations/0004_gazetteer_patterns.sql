-- The gazetteer one row per alias word, as the mention counting reads it: written when the gazetteer
-- changes, so an ordinary refresh does not load it again. (0003 is the source schedule.)
CREATE TABLE gazetteer_patterns (
    entity          VARCHAR NOT NULL,
    kind            VARCHAR NOT NULL,
    alias_no        INTEGER NOT NULL,
    words           INTEGER NOT NULL,         -- words in the alias (1 for a single word)
    position        INTEGER NOT NULL,         -- 0-based place of this word in the alias
    mode            VARCHAR NOT NULL,         -- exact (any case) | cased | prefix (any case)
    pattern         VARCHAR NOT NULL          -- lower-cased unless cased
);

-- A warehouse analysed before has no patterns yet: forgetting its gazetteer fingerprint makes the next
-- refresh that has documents to process write them first.
UPDATE analysis_state SET gazetteer_hash = NULL;
