-- An OPSCOM attempt in flight: set when the attempt starts, cleared when its outcome (answer,
-- failure) is recorded. While it is set, the job is taken over only when its owner is gone,
-- never because it is slow (see src/store/sqliteLiveness.ts).
ALTER TABLE jobs ADD COLUMN opscom_started_at INTEGER;
