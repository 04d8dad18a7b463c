INSERT INTO minhash_bands SELECT doc_id, band, bucket FROM _bands
