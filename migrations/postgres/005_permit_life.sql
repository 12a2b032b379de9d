-- The permit's life after payment (src/domain/permitLife.ts).
-- live_json: the permit OPSCOM has now for the session (reference, plate, zone, end, status).
-- revision: raised whenever something that can change the permit is recorded for the job (a
-- refund, a dispute, a correction): a worker finishes a job only at the revision it worked on.
ALTER TABLE jobs ADD COLUMN live_json text;
ALTER TABLE jobs ADD COLUMN revision integer NOT NULL DEFAULT 0;
CREATE INDEX jobs_payment_intent ON jobs (((session_json::jsonb) ->> 'paymentIntentId'));

-- What Stripe said about a payment after it was made (refunds, disputes), per PaymentIntent:
-- a refund may arrive before the session it belongs to. facts_json: src/domain/paymentFacts.ts.
CREATE TABLE payment_facts (
  payment_intent_id text PRIMARY KEY,
  facts_json        text NOT NULL,
  updated_at        bigint NOT NULL
);
