-- The permit's life after payment (src/domain/permitLife.ts).
-- live_json: the permit OPSCOM has now for the session (reference, plate, zone, end, status).
-- revision: raised whenever something that can change the permit is recorded for the job (a
-- refund, a dispute, a correction): a worker finishes a job only at the revision it worked on.
ALTER TABLE jobs ADD COLUMN live_json TEXT;
ALTER TABLE jobs ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
CREATE INDEX jobs_payment_intent ON jobs (json_extract(session_json, '$.paymentIntentId'));

-- What Stripe said about a payment after it was made (refunds, disputes), per PaymentIntent:
-- a refund may arrive before the session it belongs to. facts_json: src/domain/paymentFacts.ts.
CREATE TABLE payment_facts (
  payment_intent_id TEXT PRIMARY KEY,
  facts_json        TEXT NOT NULL,
  updated_at        INTEGER NOT NULL
);
