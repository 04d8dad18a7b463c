-- Every document analysed before, for a part recounted whole (the mentions, after the gazetteer changed).
CREATE OR REPLACE TEMP TABLE _scope AS
SELECT doc_id FROM analysis_documents
