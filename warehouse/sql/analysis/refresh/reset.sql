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
