-- Every document names a known source.
SELECT d.doc_id, d.source FROM documents d ANTI JOIN sources s ON s.name = d.source
