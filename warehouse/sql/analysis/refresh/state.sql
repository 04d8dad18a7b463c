-- The refresh's own state: read before the steps (reset first for a full rebuild); step 6, the last,
-- enters the pending documents in the ledger and writes the state row.

-- name: read
SELECT watermark, documents, comments, refreshes, gazetteer_hash, seed_ids FROM analysis_state WHERE id = 1

-- name: reset
-- A full rebuild starts from nothing: every derived row goes (the tables stay).
DELETE FROM analysis_documents;
DELETE FROM term_stems;
DELETE FROM term_freqs;
DELETE FROM unit_lengths;
DELETE FROM term_df;
DELETE FROM seed_terms;
DELETE FROM mentions;
DELETE FROM seed_similarity;
DELETE FROM seed_closeness;
DELETE FROM minhash_signatures;
DELETE FROM minhash_bands;
DELETE FROM duplicate_clusters;
DELETE FROM analysis_state;

-- name: ledger
-- $1 = refresh number, $2 = now.
INSERT INTO analysis_documents SELECT doc_id, $1, $2 FROM _pending

-- name: save
-- $1 watermark, $2 documents, $3 comments, $4 refreshes, $5 now, $6 gazetteer hash, $7 seed ids.
INSERT INTO analysis_state (id, watermark, documents, comments, refreshes, refreshed_at, gazetteer_hash, seed_ids)
VALUES (1, $1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (id) DO UPDATE SET
    watermark = excluded.watermark,
    documents = excluded.documents,
    comments = excluded.comments,
    refreshes = excluded.refreshes,
    refreshed_at = excluded.refreshed_at,
    gazetteer_hash = excluded.gazetteer_hash,
    seed_ids = excluded.seed_ids
