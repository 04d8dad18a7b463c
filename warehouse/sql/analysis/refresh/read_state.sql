SELECT watermark, documents, comments, refreshes, gazetteer_hash, seed_ids FROM analysis_state WHERE id = 1
