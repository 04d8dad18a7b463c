-- Estimated Jaccard similarity of each (a, b) pair, $1[i] with $2[i], from their MinHash signatures.
WITH pairs AS (
    SELECT unnest($1::VARCHAR[]) AS a, unnest($2::VARCHAR[]) AS b
)
SELECT p.a, p.b,
       list_sum(list_transform(list_zip(sa.signature, sb.signature), x -> (x[1] = x[2])::INTEGER))
           / len(sa.signature) AS similarity
FROM pairs p
JOIN minhash_signatures sa ON sa.doc_id = p.a
JOIN minhash_signatures sb ON sb.doc_id = p.b
