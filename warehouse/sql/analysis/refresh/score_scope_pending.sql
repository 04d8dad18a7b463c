-- Bodies to score for closeness: the new ones.
CREATE OR REPLACE TEMP TABLE _score_tf AS
SELECT doc_id, term, tf FROM _tf WHERE comment_no = 0
