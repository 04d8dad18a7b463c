INSERT INTO term_freqs SELECT doc_id, comment_no, term, tf FROM _tf
