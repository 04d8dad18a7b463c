-- A reply's parent is an earlier, shallower comment of the same document. (Plain-text threads can skip
-- a level when the reply in between is not in the text, so the parent is not always exactly one up.)
SELECT c.doc_id, c.comment_no, c.parent_no
FROM comments c LEFT JOIN comments p ON p.doc_id = c.doc_id AND p.comment_no = c.parent_no
WHERE c.parent_no IS NOT NULL AND (p.comment_no IS NULL OR p.comment_no >= c.comment_no OR p.depth >= c.depth)
