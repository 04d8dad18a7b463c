INSERT INTO failures (run_id, source, url, stage, kind, message, "at") VALUES (?, ?, ?, ?, ?, ?, ?)
