INSERT INTO seed_similarity
SELECT doc_id, seed_id, similarity FROM _scores WHERE doc_id <> seed_id
