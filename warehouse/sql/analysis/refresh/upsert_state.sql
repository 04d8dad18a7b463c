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
