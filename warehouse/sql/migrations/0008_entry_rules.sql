-- Entries a keep or block rule of sources.toml dropped: not fetched, not a failure. dropped_by names the
-- rule ('block:<rule>', or 'keep' for an entry that matched no keep rule); NULL for every other entry.
-- A dropped entry is considered again at each poll that lists it, so a change of rules takes effect.
ALTER TABLE entries ADD COLUMN dropped_by VARCHAR;
