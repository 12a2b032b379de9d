-- Seen by enforcement (src/verify, docs/enforcement.md): one row per job that has an OPSCOM
-- permit, saying when to ask OPSCOM's Plate Validation about it next and what it last showed.
-- count_from: the next check is due at count_from + OPSCOM_VERIFY_DELAY_SECONDS (a change sets
-- it to the moment of the change; a check to now + EVERY - DELAY), so one index serves the
-- claim whatever the settings; NULL: nothing more to check. generation: raised by every change
-- of the permit and every operator decision, so a check of an older permit is never recorded.
CREATE TABLE verifications (
  session_id       TEXT PRIMARY KEY,
  plate            TEXT NOT NULL,
  state            TEXT NOT NULL DEFAULT 'scheduled',
  generation       INTEGER NOT NULL DEFAULT 1,
  changed_at       INTEGER NOT NULL,
  count_from       INTEGER,
  misses           INTEGER NOT NULL DEFAULT 0,
  checks           INTEGER NOT NULL DEFAULT 0,
  last_checked_at  INTEGER,
  last_result      TEXT,
  last_seen_json   TEXT,
  last_error       TEXT,
  decision         TEXT,
  decided_by       TEXT,
  decided_at       INTEGER,
  lease_owner      TEXT,
  lease_expires_at INTEGER
);
CREATE INDEX verifications_due ON verifications (count_from) WHERE count_from IS NOT NULL;
CREATE INDEX verifications_plate ON verifications (plate);
CREATE INDEX verifications_unseen ON verifications (state)
  WHERE state IN ('not_visible', 'still_visible');

-- Every write that gives a job a permit or changes it (create, update, correction, shortening,
-- delete, end; worker, replay or console alike) schedules its check in the same transaction.
CREATE TRIGGER jobs_verify_insert AFTER INSERT ON jobs WHEN NEW.opscom_reference_id IS NOT NULL
BEGIN
  INSERT INTO verifications (session_id, plate, changed_at, count_from)
  VALUES (NEW.session_id,
    COALESCE(json_extract(NEW.live_json, '$.plate'), json_extract(NEW.permit_json, '$.plate'), ''),
    NEW.updated_at, NEW.updated_at)
  ON CONFLICT (session_id) DO NOTHING;
END;
CREATE TRIGGER jobs_verify_update AFTER UPDATE OF opscom_reference_id, opscom_ends_at, live_json ON jobs
WHEN NEW.opscom_reference_id IS NOT NULL AND (OLD.opscom_reference_id IS NOT NEW.opscom_reference_id
  OR OLD.opscom_ends_at IS NOT NEW.opscom_ends_at OR OLD.live_json IS NOT NEW.live_json)
BEGIN
  INSERT INTO verifications (session_id, plate, changed_at, count_from)
  VALUES (NEW.session_id,
    COALESCE(json_extract(NEW.live_json, '$.plate'), json_extract(NEW.permit_json, '$.plate'), ''),
    NEW.updated_at, NEW.updated_at)
  ON CONFLICT (session_id) DO UPDATE SET plate = excluded.plate, changed_at = excluded.changed_at,
    count_from = excluded.count_from, generation = generation + 1, misses = 0,
    state = CASE WHEN state IN ('not_visible', 'still_visible') THEN state ELSE 'scheduled' END;
END;

-- A job the retention sweep deletes takes its verification with it.
CREATE TRIGGER jobs_verify_delete AFTER DELETE ON jobs
BEGIN
  DELETE FROM verifications WHERE session_id = OLD.session_id;
END;

-- Permits made before this migration are checked too, from now on.
INSERT INTO verifications (session_id, plate, changed_at, count_from)
SELECT session_id,
  COALESCE(json_extract(live_json, '$.plate'), json_extract(permit_json, '$.plate'), ''),
  updated_at, CAST(strftime('%s', 'now') AS INTEGER) * 1000
FROM jobs WHERE opscom_reference_id IS NOT NULL;
