-- What a source's feed last said about how often to poll it (RSS <ttl>, sy:updatePeriod / sy:updateFrequency,
-- skipHours / skipDays), as JSON: a 304 carries no feed, and its next poll is still chosen by them.
-- Written by warehouse.state.schedule_after_poll after a poll that read the feed; NULL until then.
ALTER TABLE source_state ADD COLUMN feed_hints VARCHAR;
