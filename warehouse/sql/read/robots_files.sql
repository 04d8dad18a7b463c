-- The robots.txt answers fetched after $1 (those still to be trusted).
SELECT origin, outcome, body, fetched_at FROM robots_txt WHERE fetched_at > $1
