SELECT entry_key FROM entries WHERE source = $1 AND entry_key IN (SELECT unnest($2::VARCHAR[]))
