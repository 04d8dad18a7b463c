-- $1 names, $2 feed URLs, $3 site URLs (arrays of one length), $4 now: one statement for all sources.
INSERT INTO sources (name, feed_url, site_url, added_at)
SELECT unnest($1::VARCHAR[]), unnest($2::VARCHAR[]), unnest($3::VARCHAR[]), $4
ON CONFLICT (name) DO UPDATE SET feed_url = excluded.feed_url, site_url = excluded.site_url
