-- Every comment belongs to a stored document.
SELECT c.doc_id, c.comment_no FROM comments c ANTI JOIN documents d USING (doc_id)
