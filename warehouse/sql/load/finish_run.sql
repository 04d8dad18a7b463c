UPDATE runs SET finished_at = ?, sources_ok = ?, sources_failed = ?, documents_new = ?, status = ? WHERE run_id = ?
