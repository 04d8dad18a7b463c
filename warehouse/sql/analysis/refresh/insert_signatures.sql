INSERT INTO minhash_signatures SELECT doc_id, signature FROM _signatures
