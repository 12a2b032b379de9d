import Stripe from 'stripe';
import type { StoreConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { openLedger } from '../../src/store/openLedger';
import { sampleEvent, sampleSession } from '../demo/sampleSession';
import type { StripeSimulator } from '../simulators/stripeSimulator';
import { BENCH_SECRET } from './ingest';

export interface PaidWebhook {
  sessionId: string;
  plate: string;
  body: string;
}

export interface PaidWebhooks {
  /** `count` new paid sessions (known to the Stripe simulator), each its webhook's body. */
  make(count: number): PaidWebhook[];
  /** Sends one signed; resolves when it is acknowledged (throws unless 200). */
  send(body: string): Promise<void>;
}

/** New payments for a bench: signed `checkout.session.completed` webhooks to `url`. */
export function paidWebhooks(stripeSim: StripeSimulator, url: string): PaidWebhooks {
  const signer = new Stripe('sk_test_bench').webhooks;
  const run = Date.now().toString(36).slice(-4).toUpperCase();
  let n = 0;
  return {
    make(count) {
      return Array.from({ length: count }, () => {
        const plate = `T${run}${n++}`;
        const session = sampleSession({ plate, duration: '60' });
        stripeSim.addSession(session);
        return { sessionId: session.id, plate, body: JSON.stringify(sampleEvent(session)) };
      });
    },
    async send(body) {
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'Stripe-Signature': signer.generateTestHeaderString({
            payload: body,
            secret: BENCH_SECRET,
          }),
        },
        body,
      });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`webhook answered ${res.status}`);
    },
  };
}

/**
 * Receipt → OPSCOM of each payment, in ms: its ledger receipt time to the OPSCOM simulator's
 * receipt of its create (`opscomAt`, by plate).
 */
export async function receiptToOpscom(
  store: StoreConfig,
  measured: readonly { sessionId: string; plate: string }[],
  opscomAt: Map<unknown, number>,
): Promise<number[]> {
  const ledger = await openLedger(
    store,
    createLogger({ level: 'error', pretty: false, silent: true }),
  );
  const out: number[] = [];
  try {
    for (const { sessionId, plate } of measured) {
      const job = await ledger.getJob(sessionId);
      const at = opscomAt.get(plate);
      if (job && at !== undefined) out.push(at - job.createdAt);
    }
  } finally {
    await ledger.close();
  }
  return out;
}
