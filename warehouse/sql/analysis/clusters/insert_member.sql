INSERT INTO duplicate_clusters (cluster_id, doc_id, similarity) VALUES ($1, $2, $3)
