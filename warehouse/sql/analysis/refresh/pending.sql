-- Documents not analysed yet: absent from the ledger (so a clock that went back loses nothing).
CREATE OR REPLACE TEMP TABLE _pending AS
SELECT d.doc_id, d.origin, d.ingested_at
FROM documents d
ANTI JOIN analysis_documents a USING (doc_id)
