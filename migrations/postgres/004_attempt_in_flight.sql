-- An OPSCOM attempt in flight: set when the attempt starts, cleared when its outcome (answer,
-- failure) is recorded. While it is set, its owner holds a session-level advisory lock on the
-- job (src/store/postgresOwnerSession.ts), and the job is taken over only once that lock is
-- free, i.e. once the owner's connection is gone, never because the owner is slow.
ALTER TABLE jobs ADD COLUMN opscom_started_at bigint;
