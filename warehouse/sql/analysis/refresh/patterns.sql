-- The gazetteer as one row per alias word; filled from data/gazetteer.toml by the refresh.
CREATE OR REPLACE TEMP TABLE _patterns (
    entity      VARCHAR NOT NULL,
    kind        VARCHAR NOT NULL,
    alias_no    INTEGER NOT NULL,
    words       INTEGER NOT NULL,     -- words in the alias (1 for a single word)
    position    INTEGER NOT NULL,     -- 0-based place of this word in the alias
    mode        VARCHAR NOT NULL,     -- exact (any case) | cased | prefix (any case)
    pattern     VARCHAR NOT NULL      -- lower-cased unless cased
)
