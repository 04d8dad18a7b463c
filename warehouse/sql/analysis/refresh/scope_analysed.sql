-- Every document, for a part rebuilt whole (the mentions after the gazetteer changed).
CREATE OR REPLACE TEMP TABLE _scope AS
SELECT doc_id FROM documents
