-- Seen by enforcement (src/verify, docs/enforcement.md): one row per job that has an OPSCOM
-- permit, saying when to ask OPSCOM's Plate Validation about it next and what it last showed.
-- count_from: the next check is due at count_from + OPSCOM_VERIFY_DELAY_SECONDS (a change sets
-- it to the moment of the change; a check to now + EVERY - DELAY), so one index serves the
-- claim whatever the settings; NULL: nothing more to check. generation: raised by every change
-- of the permit and every operator decision, so a check of an older permit is never recorded.
CREATE TABLE verifications (
  session_id       text PRIMARY KEY,
  plate            text NOT NULL,
  state            text NOT NULL DEFAULT 'scheduled',
  generation       integer NOT NULL DEFAULT 1,
  changed_at       bigint NOT NULL,
  count_from       bigint,
  misses           integer NOT NULL DEFAULT 0,
  checks           integer NOT NULL DEFAULT 0,
  last_checked_at  bigint,
  last_result      text,
  last_seen_json   text,
  last_error       text,
  decision         text,
  decided_by       text,
  decided_at       bigint,
  lease_owner      text,
  lease_expires_at bigint
);
CREATE INDEX verifications_due ON verifications (count_from) WHERE count_from IS NOT NULL;
CREATE INDEX verifications_plate ON verifications (plate);
CREATE INDEX verifications_unseen ON verifications (state)
  WHERE state IN ('not_visible', 'still_visible');

-- Every write that gives a job a permit or changes it (create, update, correction, shortening,
-- delete, end; worker, replay or console alike) schedules its check in the same transaction.
CREATE FUNCTION schedule_verification() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO verifications (session_id, plate, changed_at, count_from)
  VALUES (NEW.session_id,
    COALESCE(NEW.live_json::jsonb ->> 'plate', NEW.permit_json::jsonb ->> 'plate', ''),
    NEW.updated_at, NEW.updated_at)
  ON CONFLICT (session_id) DO UPDATE SET plate = excluded.plate, changed_at = excluded.changed_at,
    count_from = excluded.count_from, generation = verifications.generation + 1, misses = 0,
    state = CASE WHEN verifications.state IN ('not_visible', 'still_visible')
      THEN verifications.state ELSE 'scheduled' END;
  RETURN NULL;
END $$;
CREATE TRIGGER jobs_verify_insert AFTER INSERT ON jobs
  FOR EACH ROW WHEN (NEW.opscom_reference_id IS NOT NULL) EXECUTE FUNCTION schedule_verification();
CREATE TRIGGER jobs_verify_update AFTER UPDATE OF opscom_reference_id, opscom_ends_at, live_json ON jobs
  FOR EACH ROW WHEN (NEW.opscom_reference_id IS NOT NULL
    AND (OLD.opscom_reference_id IS DISTINCT FROM NEW.opscom_reference_id
      OR OLD.opscom_ends_at IS DISTINCT FROM NEW.opscom_ends_at
      OR OLD.live_json IS DISTINCT FROM NEW.live_json))
  EXECUTE FUNCTION schedule_verification();

-- A job the retention sweep deletes takes its verification with it.
CREATE FUNCTION forget_verification() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM verifications WHERE session_id = OLD.session_id;
  RETURN NULL;
END $$;
CREATE TRIGGER jobs_verify_delete AFTER DELETE ON jobs
  FOR EACH ROW EXECUTE FUNCTION forget_verification();

-- Permits made before this migration are checked too, from now on.
INSERT INTO verifications (session_id, plate, changed_at, count_from)
SELECT session_id, COALESCE(live_json::jsonb ->> 'plate', permit_json::jsonb ->> 'plate', ''),
  updated_at, (extract(epoch FROM now()) * 1000)::bigint
FROM jobs WHERE opscom_reference_id IS NOT NULL;
