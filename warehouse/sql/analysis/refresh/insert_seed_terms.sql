-- The seeds' own term frequencies, kept apart so closeness never scans term_freqs.
INSERT INTO seed_terms
SELECT t.doc_id, t.term, t.tf
FROM _tf t JOIN _pending p USING (doc_id)
WHERE p.origin = 'seed' AND t.comment_no = 0
