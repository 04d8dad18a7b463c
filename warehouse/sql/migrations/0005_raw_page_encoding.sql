-- A page whose bytes mix encodings is flagged (and its raw bytes kept, as for every page).
ALTER TABLE raw_pages ADD COLUMN encoding_note VARCHAR;
