-- Every member of the clusters that any of the documents in $1 belongs to.
WITH touched AS (
    SELECT DISTINCT cluster_id FROM duplicate_clusters WHERE doc_id IN (SELECT unnest($1::VARCHAR[]))
)
SELECT c.cluster_id, c.doc_id
FROM duplicate_clusters c SEMI JOIN touched USING (cluster_id)
