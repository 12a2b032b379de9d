import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StoreConfig } from '../../src/config';
import { startOpscomSimulator } from '../simulators/opscomSimulator';
import { startStripeSimulator, type StripeSimulator } from '../simulators/stripeSimulator';
import { startBenchServer } from './benchServer';
import { BENCH_SECRET, runIngest } from './ingest';
import { cpuMs, peakRssMb } from './processStats';
import { BENCH_OPSCOM_TOKEN, benchAdapterEnv } from './timeToPermit';

export interface Alongside {
  stop(): Promise<void>;
  onSession?(session: Record<string, unknown> & { id: string }): void;
}

export interface BurstResult {
  what: string;
  count: number;
  ackedPerSecond: number;
  /** From the first request to the last write-back, in seconds. */
  seconds: number;
  permitsPerSecond: number;
  /** The server's CPU time (user + system) over the burst, per permit: steadier than rates. */
  cpuMsPerPermit: number;
  rssMb: number;
}

/** Write-backs the Stripe simulator took: session updates, and PaymentIntent updates. */
function writeBacks(stripe: StripeSimulator): { sessions: number[]; paymentIntents: number[] } {
  const ok = stripe.received.filter((r) => r.method === 'POST' && r.status === 200);
  return {
    sessions: ok.filter((r) => r.path.startsWith('/v1/checkout/sessions/')).map((r) => r.at),
    paymentIntents: ok.filter((r) => r.path.startsWith('/v1/payment_intents/')).map((r) => r.at),
  };
}

/**
 * A burst of `count` distinct paid sessions, sent as fast as `connections` allow, timed from
 * the first request to the last write-back the Stripe simulator receives: for the service
 * (`store` given: `npm start`'s web process, intake and worker) both the Checkout Session and
 * the PaymentIntent of each; for the inline handler (no store) the session, the only write it
 * makes. The simulators answer at once and run in this process, beside the load generator.
 */
export async function measureBurst(options: {
  count: number;
  connections: number;
  store?: StoreConfig;
  env?: Record<string, string>;
  /** Load run beside the burst (the driver's page bench): started first, stopped once drained;
   * told each of the burst's sessions as it is sent. */
  alongside?: (port: number, stripe: StripeSimulator) => Alongside;
}): Promise<BurstResult> {
  const opscom = await startOpscomSimulator({ apiToken: BENCH_OPSCOM_TOKEN });
  const stripe = await startStripeSimulator({ acceptUnknown: true });
  const peers = { opscomUrl: opscom.url, stripeUrl: stripe.url };
  const server = options.store
    ? await startBenchServer({ ...benchAdapterEnv(options.store, peers), ...options.env })
    : await startBenchServer(
        {
          STRIPE_SECRET_KEY: 'sk_test_bench',
          STRIPE_WEBHOOK_SECRET: BENCH_SECRET,
          STRIPE_API_URL: stripe.url,
          OPSCOM_BASE_URL: opscom.url,
          OPSCOM_API_TOKEN: BENCH_OPSCOM_TOKEN,
        },
        join(__dirname, 'inlineServer.js'),
      );
  const beside = options.alongside?.(server.port, stripe);
  try {
    const started = Date.now();
    const cpuBefore = cpuMs(server.child.pid);
    const sent = await runIngest({
      port: server.port,
      seconds: 600,
      connections: options.connections,
      amount: options.count,
      ...(beside?.onSession ? { onSession: (s) => beside.onSession?.(s) } : {}),
    });
    const ackedAt = sent.lastResponseAt;
    const deadline = Date.now() + 10 * 60_000;
    const done = () => {
      const w = writeBacks(stripe);
      return (
        w.sessions.length >= options.count &&
        (!options.store || w.paymentIntents.length >= options.count)
      );
    };
    while (!done() && Date.now() < deadline) await sleep(20);
    const cpuAfter = cpuMs(server.child.pid);
    const w = writeBacks(stripe);
    if (!done()) {
      throw new Error(
        `only ${w.sessions.length} session and ${w.paymentIntents.length} PaymentIntent write-backs of ${options.count} within 10 min (acked ${sent.acked}, non-2xx ${sent.non2xx})`,
      );
    }
    const last = Math.max(...w.sessions, ...w.paymentIntents);
    const seconds = (last - started) / 1000;
    return {
      what: options.store ? `service (${options.store.kind})` : 'inline handler',
      count: options.count,
      ackedPerSecond: sent.acked / ((ackedAt - started) / 1000),
      seconds,
      permitsPerSecond: options.count / seconds,
      cpuMsPerPermit: (cpuAfter - cpuBefore) / options.count,
      rssMb: peakRssMb(server.child.pid),
    };
  } finally {
    await beside?.stop();
    await server.stop();
    await opscom.close();
    await stripe.close();
  }
}
