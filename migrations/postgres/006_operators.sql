-- What operators look at (the console, src/console) and are told (alerts, src/alerts).
-- Lists come newest first: all jobs by creation (jobs_created), one state by when its jobs
-- came due (jobs_due); neither index moves on the many writes that only touch updated_at.
-- Searches find a job by the plate OPSCOM has now (jobs_live_plate), by the plate as the
-- driver typed it for a job that failed (the one place it matters: a done job has its live
-- plate; partial, so intake never computes it), by OPSCOM reference (jobs_reference) or by
-- PaymentIntent (jobs_payment_intent).
CREATE INDEX jobs_created ON jobs (created_at);
CREATE INDEX jobs_live_plate ON jobs (((live_json::jsonb) ->> 'plate'));
CREATE INDEX jobs_failed_metadata_plate ON jobs (((session_json::jsonb) -> 'metadata' ->> 'plate'))
  WHERE state IN ('failed', 'dead');

-- Alerts: one row per job or condition (key), an outbox the worker sends from. A row is sent
-- when it opens and once more when it clears; a condition that comes back reopens its row.
CREATE TABLE alerts (
  key             text PRIMARY KEY,
  kind            text NOT NULL,
  session_id      text,
  message         text NOT NULL,
  opened_at       bigint NOT NULL,
  open_sent_at    bigint,
  cleared_at      bigint,
  clear_message   text,
  clear_sent_at   bigint,
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at bigint NOT NULL,
  sending_until   bigint,
  last_error      text
);
CREATE INDEX alerts_open ON alerts (kind) WHERE cleared_at IS NULL;
CREATE INDEX alerts_unsent ON alerts (next_attempt_at)
  WHERE open_sent_at IS NULL OR (cleared_at IS NOT NULL AND clear_sent_at IS NULL);

-- Jobs per state, for a scrape of /metrics and the console's overview, without counting a
-- million rows. Each change of state appends +1/-1 rows (insert-only: concurrent transactions
-- never wait on one counter row); a reader sums job_counts and the deltas, and folds the
-- deltas into job_counts now and then (store/postgresLedger.ts, countJobs).
CREATE TABLE job_counts (
  state text PRIMARY KEY,
  n     bigint NOT NULL
);
CREATE TABLE job_count_deltas (
  state text NOT NULL,
  n     integer NOT NULL
);
INSERT INTO job_counts (state, n) SELECT state, COUNT(*) FROM jobs GROUP BY state;
CREATE FUNCTION jobs_count_delta() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    INSERT INTO job_count_deltas (state, n) VALUES (OLD.state, -1);
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN
    INSERT INTO job_count_deltas (state, n) VALUES (NEW.state, 1);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER jobs_counted AFTER INSERT OR DELETE ON jobs
  FOR EACH ROW EXECUTE FUNCTION jobs_count_delta();
CREATE TRIGGER jobs_counted_update AFTER UPDATE OF state ON jobs
  FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state) EXECUTE FUNCTION jobs_count_delta();
