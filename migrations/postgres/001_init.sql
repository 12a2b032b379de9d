-- The ledger: every event received, and one job per Checkout Session (see src/store/ledger.ts).
-- Times are Unix milliseconds (bigint), as in the SQLite ledger.
CREATE TABLE events (
  event_id      text PRIMARY KEY,
  event_type    text NOT NULL,
  session_id    text,
  event_created bigint NOT NULL,
  livemode      boolean NOT NULL,
  outcome       text NOT NULL,
  detail        text,
  received_at   bigint NOT NULL
);
CREATE INDEX events_session ON events (session_id);

CREATE TABLE jobs (
  session_id        text PRIMARY KEY,
  state             text NOT NULL,
  livemode          boolean NOT NULL,
  session_json      text NOT NULL,
  paid_event_id     text,
  paid_at           bigint,
  permit_json       text,
  opscom_attempts   integer NOT NULL DEFAULT 0,
  opscom_reference_id          text,
  opscom_internal_reference_id text,
  opscom_ends_at    text,
  opscom_at         bigint,
  session_written_at        bigint,
  payment_intent_written_at bigint,
  attempts          integer NOT NULL DEFAULT 0,
  next_run_at       bigint NOT NULL,
  lease_owner       text,
  lease_expires_at  bigint,
  last_error        text,
  created_at        bigint NOT NULL,
  updated_at        bigint NOT NULL
);
CREATE INDEX jobs_due ON jobs (state, next_run_at);
CREATE INDEX jobs_reference ON jobs (opscom_reference_id);
