-- Locality-sensitive hashing of the new signatures: $1 bands of $2 values each, one bucket per band.
CREATE OR REPLACE TEMP TABLE _bands AS
SELECT s.doc_id, b.band::INTEGER AS band, hash(list_slice(s.signature, b.band * $2 + 1, (b.band + 1) * $2)) AS bucket
FROM _signatures s CROSS JOIN (SELECT range AS band FROM range($1)) b
