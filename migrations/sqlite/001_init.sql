-- The ledger: every event received, and one job per Checkout Session (see src/store/ledger.ts).
CREATE TABLE events (
  event_id     TEXT PRIMARY KEY,
  event_type   TEXT NOT NULL,
  session_id   TEXT,
  event_created INTEGER NOT NULL,
  livemode     INTEGER NOT NULL,
  outcome      TEXT NOT NULL,
  detail       TEXT,
  received_at  INTEGER NOT NULL
);
CREATE INDEX events_session ON events (session_id);

CREATE TABLE jobs (
  session_id        TEXT PRIMARY KEY,
  state             TEXT NOT NULL,
  livemode          INTEGER NOT NULL,
  session_json      TEXT NOT NULL,
  paid_event_id     TEXT,
  paid_at           INTEGER,
  permit_json       TEXT,
  opscom_attempts   INTEGER NOT NULL DEFAULT 0,
  opscom_reference_id          TEXT,
  opscom_internal_reference_id TEXT,
  opscom_ends_at    TEXT,
  opscom_at         INTEGER,
  session_written_at        INTEGER,
  payment_intent_written_at INTEGER,
  attempts          INTEGER NOT NULL DEFAULT 0,
  next_run_at       INTEGER NOT NULL,
  lease_owner       TEXT,
  lease_expires_at  INTEGER,
  last_error        TEXT,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL
);
CREATE INDEX jobs_due ON jobs (state, next_run_at);
CREATE INDEX jobs_reference ON jobs (opscom_reference_id);
