-- No canonical URL belongs to two documents.
SELECT url, count(*) AS documents FROM documents WHERE url IS NOT NULL GROUP BY url HAVING count(*) > 1
