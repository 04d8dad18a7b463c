-- A document belongs to at most one near-duplicate cluster, and every cluster holds its original.
SELECT doc_id, count(*) AS clusters FROM duplicate_clusters GROUP BY doc_id HAVING count(*) > 1
UNION ALL
SELECT c.cluster_id, 0 FROM (SELECT DISTINCT cluster_id FROM duplicate_clusters) c
ANTI JOIN duplicate_clusters m ON m.cluster_id = c.cluster_id AND m.doc_id = c.cluster_id
