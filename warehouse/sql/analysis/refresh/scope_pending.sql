-- The documents this refresh processes.
CREATE OR REPLACE TEMP TABLE _scope AS
SELECT doc_id FROM _pending
