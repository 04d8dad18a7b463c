SELECT etag, last_modified, last_status, last_success_at, consecutive_failures FROM source_state WHERE source = ?
