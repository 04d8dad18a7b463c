INSERT INTO comments (doc_id, comment_no, parent_no, depth, author, posted_at, body, by_post_author)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
