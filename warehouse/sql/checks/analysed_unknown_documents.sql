-- The analysis ledger names only stored documents, each once.
SELECT a.doc_id FROM analysis_documents a ANTI JOIN documents d USING (doc_id)
UNION ALL
SELECT doc_id FROM analysis_documents GROUP BY doc_id HAVING count(*) > 1
