-- A reply's parent is an earlier comment of the same document, one level up.
SELECT c.doc_id, c.comment_no, c.parent_no
FROM comments c LEFT JOIN comments p ON p.doc_id = c.doc_id AND p.comment_no = c.parent_no
WHERE c.parent_no IS NOT NULL AND (p.comment_no IS NULL OR p.comment_no >= c.comment_no OR p.depth <> c.depth - 1)
