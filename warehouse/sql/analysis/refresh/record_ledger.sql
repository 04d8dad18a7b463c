-- $1 = refresh number, $2 = now.
INSERT INTO analysis_documents SELECT doc_id, $1, $2 FROM _pending
