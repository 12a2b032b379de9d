-- What operators look at (the console, src/console) and are told (alerts, src/alerts).
-- Lists come newest first: all jobs by creation (jobs_created), one state by when its jobs
-- came due (jobs_due); neither index moves on the many writes that only touch updated_at.
-- Searches find a job by the plate OPSCOM has now (jobs_live_plate), by the plate as the
-- driver typed it for a job that failed (the one place it matters: a done job has its live
-- plate; partial, so intake never computes it), by OPSCOM reference (jobs_reference) or by
-- PaymentIntent (jobs_payment_intent).
CREATE INDEX jobs_created ON jobs (created_at);
CREATE INDEX jobs_live_plate ON jobs (json_extract(live_json, '$.plate'));
CREATE INDEX jobs_failed_metadata_plate ON jobs (json_extract(session_json, '$.metadata.plate'))
  WHERE state IN ('failed', 'dead');

-- Alerts: one row per job or condition (key), an outbox the worker sends from. A row is sent
-- when it opens and once more when it clears; a condition that comes back reopens its row.
CREATE TABLE alerts (
  key             TEXT PRIMARY KEY,
  kind            TEXT NOT NULL,
  session_id      TEXT,
  message         TEXT NOT NULL,
  opened_at       INTEGER NOT NULL,
  open_sent_at    INTEGER,
  cleared_at      INTEGER,
  clear_message   TEXT,
  clear_sent_at   INTEGER,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  sending_until   INTEGER,
  last_error      TEXT
);
CREATE INDEX alerts_open ON alerts (kind) WHERE cleared_at IS NULL;
CREATE INDEX alerts_unsent ON alerts (next_attempt_at)
  WHERE open_sent_at IS NULL OR (cleared_at IS NOT NULL AND clear_sent_at IS NULL);

-- Jobs per state, kept by triggers in the same transaction as each change, so that a scrape of
-- /metrics and the console's overview read a few rows instead of counting a million.
CREATE TABLE job_counts (
  state TEXT PRIMARY KEY,
  n     INTEGER NOT NULL
);
INSERT INTO job_counts (state, n) SELECT state, COUNT(*) FROM jobs GROUP BY state;
CREATE TRIGGER jobs_counted_insert AFTER INSERT ON jobs BEGIN
  INSERT INTO job_counts (state, n) VALUES (NEW.state, 1)
    ON CONFLICT (state) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER jobs_counted_update AFTER UPDATE OF state ON jobs WHEN OLD.state IS NOT NEW.state BEGIN
  UPDATE job_counts SET n = n - 1 WHERE state = OLD.state;
  INSERT INTO job_counts (state, n) VALUES (NEW.state, 1)
    ON CONFLICT (state) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER jobs_counted_delete AFTER DELETE ON jobs BEGIN
  UPDATE job_counts SET n = n - 1 WHERE state = OLD.state;
END;
