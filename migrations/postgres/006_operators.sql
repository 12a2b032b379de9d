-- What operators look at (the console, src/console) and are told (alerts, src/alerts).
-- Lists are newest change first, by state or all; searches find a job by the plate OPSCOM has
-- now, by the plate as the driver typed it, by OPSCOM reference (jobs_reference) or by
-- PaymentIntent (jobs_payment_intent).
CREATE INDEX jobs_state_updated ON jobs (state, updated_at);
CREATE INDEX jobs_updated ON jobs (updated_at);
CREATE INDEX jobs_live_plate ON jobs (((live_json::jsonb) ->> 'plate'));
CREATE INDEX jobs_metadata_plate ON jobs (((session_json::jsonb) -> 'metadata' ->> 'plate'));

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
