-- Replay (npm run replay): what an operator asked for, kept on the job it applies to.
-- update_of: re-send this job's permit as an update of that OPSCOM reference (--force).
-- corrections_json: values an operator gave for unmappable metadata, with who and when;
-- the session's own metadata (session_json) is never changed.
-- write_back_round: how many times replay had the write-back redone (a repair, a force): part
-- of the write-back's idempotency key, so that Stripe applies the new write, not a cached one.
ALTER TABLE jobs ADD COLUMN update_of text;
ALTER TABLE jobs ADD COLUMN corrections_json text;
ALTER TABLE jobs ADD COLUMN write_back_round integer NOT NULL DEFAULT 0;
