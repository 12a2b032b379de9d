import { setTimeout as sleep } from 'node:timers/promises';
import Stripe from 'stripe';

const signer = new Stripe('sk_test_chaos').webhooks;

export interface DeliveryStats {
  attempts: number;
  acked: number;
  /** Answers other than 200 (500 while the ledger is away, refused connections while killed…). */
  retried: number;
}

/**
 * Delivers one event the way Stripe does: signed afresh on each attempt, retried after a
 * non-2xx answer or a failed connection until it is acknowledged (Stripe keeps trying for days;
 * here, every 100–500 ms, up to `deadline`).
 */
export async function deliverLikeStripe(
  body: string,
  secret: string,
  pickPort: () => number | undefined,
  stats: DeliveryStats,
  deadline: number,
  random: () => number = Math.random,
): Promise<void> {
  for (;;) {
    const port = pickPort();
    stats.attempts++;
    if (port !== undefined) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/webhooks/stripe`, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            'Stripe-Signature': signer.generateTestHeaderString({ payload: body, secret }),
          },
          body,
          signal: AbortSignal.timeout(10_000),
        });
        await res.arrayBuffer();
        if (res.status === 200) {
          stats.acked++;
          return;
        }
      } catch {
        // refused or reset: the process was killed; try again like Stripe would
      }
    }
    stats.retried++;
    if (Date.now() > deadline) throw new Error('a delivery was never acknowledged');
    await sleep(100 + random() * 400);
  }
}

/** Sends a request that must be refused, and returns the status (0: no answer). */
export async function sendForged(
  body: string,
  kind: 'wrong_secret' | 'stale' | 'tampered',
  secret: string,
  port: number | undefined,
): Promise<number> {
  if (port === undefined) return 0;
  const header =
    kind === 'wrong_secret'
      ? signer.generateTestHeaderString({ payload: body, secret: 'whsec_forger' })
      : kind === 'stale'
        ? signer.generateTestHeaderString({
            payload: body,
            secret,
            timestamp: Math.floor(Date.now() / 1000) - 301,
          })
        : signer.generateTestHeaderString({ payload: body.replace('"paid"', '"PAID"'), secret });
  try {
    const res = await fetch(`http://127.0.0.1:${port}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Stripe-Signature': header },
      // Tampered: the signature covers another body than the one sent.
      body,
    });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}
