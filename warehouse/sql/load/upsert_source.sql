INSERT INTO sources (name, feed_url, site_url, added_at) VALUES (?, ?, ?, ?)
ON CONFLICT (name) DO UPDATE SET feed_url = excluded.feed_url, site_url = excluded.site_url
