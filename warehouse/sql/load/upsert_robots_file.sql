-- One robots.txt answer per site: the newest replaces the one before (rows from the Arrow table `batch`).
INSERT INTO robots_txt BY NAME SELECT * FROM batch
ON CONFLICT (origin) DO UPDATE SET outcome = excluded.outcome, body = excluded.body, fetched_at = excluded.fetched_at
