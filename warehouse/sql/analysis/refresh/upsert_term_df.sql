-- Document frequencies grow by the new units only.
INSERT INTO term_df
WITH counted AS (
    SELECT CASE WHEN comment_no = 0 THEN 'body' ELSE 'comment' END AS part, term, count(*) AS df
    FROM _tf
    GROUP BY ALL
)
SELECT part, term, df FROM counted
ON CONFLICT DO UPDATE SET df = term_df.df + excluded.df
