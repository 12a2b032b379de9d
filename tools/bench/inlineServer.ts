import express from 'express';
import { Duration } from 'luxon';
import Stripe from 'stripe';
import { mapSession } from '../../src/domain/mapSession';
import { toSessionSnapshot } from '../../src/stripe/sessionPayload';

/**
 * The comparator of `npm run bench`'s burst: the handler people write first, everything inside
 * the webhook request: verify the signature, create the permit in OPSCOM, write its reference
 * into the Checkout Session, then answer 200. No ledger, no retries, no PaymentIntent write: a
 * crash or an outage mid-request loses the permit or (on Stripe's redelivery) doubles it. A
 * benchmark peer only, never a product path. `node build/tools/bench/inlineServer.js` with
 * PORT, STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET, STRIPE_API_URL, OPSCOM_BASE_URL,
 * OPSCOM_API_TOKEN.
 */
const env = (name: string) => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is required`);
  return value;
};
const stripeUrl = new URL(env('STRIPE_API_URL'));
const stripe = new Stripe(env('STRIPE_SECRET_KEY'), {
  host: stripeUrl.hostname,
  port: stripeUrl.port,
  protocol: 'http',
});
const secret = env('STRIPE_WEBHOOK_SECRET');
const opscom = new URL('/api/OC-TOMA/v1/permits/push', env('OPSCOM_BASE_URL'));
const token = env('OPSCOM_API_TOKEN');

const app = express();
app.post('/webhooks/stripe', express.raw({ type: () => true, limit: '1mb' }), async (req, res) => {
  let event: Stripe.Event;
  try {
    event = stripe.webhooks.constructEvent(
      req.body as Buffer,
      req.get('stripe-signature') ?? '',
      secret,
    );
  } catch {
    res.status(400).send('bad signature');
    return;
  }
  if (event.type !== 'checkout.session.completed') {
    res.status(200).send('ignored');
    return;
  }
  const parsed = toSessionSnapshot(event.data.object);
  if (!parsed.ok) {
    res.status(200).send('not a session');
    return;
  }
  const mapped = mapSession(
    { session: parsed.session, paidAt: event.created },
    { timezone: 'America/Toronto', defaultZone: 'BENCH', maxDuration: Duration.fromISO('P1Y') },
  );
  if (mapped.kind !== 'permit' || mapped.permit.action !== 'create') {
    res.status(200).send('cannot map');
    return;
  }
  const p = mapped.permit;
  const answer = await fetch(opscom, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      apiToken: token,
      LicencePlate: p.plate,
      Amount: p.amount,
      CurrencyID: p.currency,
      zone: p.zone,
      startTime: p.startTime,
      endTime: p.endTime,
    }),
  });
  const body = (await answer.json()) as { reference_id?: string };
  if (!body.reference_id) {
    res.status(500).send('OPSCOM failed');
    return;
  }
  await stripe.checkout.sessions.update(parsed.session.id, {
    metadata: { opscom_reference_id: body.reference_id },
  });
  res.status(200).send('ok');
});
app.get('/healthz', (_req, res) => {
  res.status(200).json({ status: 'ok' });
});
app.listen(Number(process.env['PORT'] ?? 3002));
