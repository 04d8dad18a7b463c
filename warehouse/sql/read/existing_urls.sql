-- Which of the given canonical URLs are already a document or a settled entry.
SELECT url FROM documents WHERE url IN (SELECT unnest($1::VARCHAR[]))
UNION
SELECT url FROM entries WHERE url IN (SELECT unnest($1::VARCHAR[]))
