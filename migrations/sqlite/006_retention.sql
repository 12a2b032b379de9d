-- RETENTION_DAYS (src/worker/retention.ts): events of finished jobs are deleted, oldest first,
-- once older than the setting; this index finds them without reading the whole table.
CREATE INDEX events_received ON events (received_at);
