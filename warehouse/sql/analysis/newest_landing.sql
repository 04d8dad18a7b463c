-- The newest document in the warehouse (what a reader has seen after looking).
SELECT max(ingested_at) FROM documents
