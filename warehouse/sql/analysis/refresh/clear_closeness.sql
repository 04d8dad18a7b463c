-- The seed set changed: every closeness score is recomputed.
DELETE FROM seed_similarity;
DELETE FROM seed_closeness;
