import { setTimeout as sleep } from 'node:timers/promises';
import type { StoreConfig } from '../../src/config';
import { startOpscomSimulator } from '../simulators/opscomSimulator';
import { startStripeSimulator } from '../simulators/stripeSimulator';
import { startBenchServer } from './benchServer';
import { BENCH_SECRET } from './ingest';
import { paidWebhooks, receiptToOpscom } from './paidWebhooks';
import { peakRssMb } from './processStats';
import { percentile } from './stats';

export interface TimeToPermit {
  offered: number;
  achieved: number;
  ackP50: number;
  ackP99: number;
  permitP50: number;
  permitP99: number;
  permits: number;
  count: number;
  rssMb: number;
}

/** Environment for a bench server on `store`. */
export function storeEnv(store: StoreConfig): Record<string, string> {
  return store.kind === 'sqlite'
    ? { SQLITE_PATH: store.sqlitePath }
    : { DATABASE_URL: store.url, DATABASE_SSL: 'off' };
}

export const BENCH_OPSCOM_TOKEN = 'bench-opscom-token';

/** The adapter's environment in every benchmark: `store`, and the simulators when given. */
export function benchAdapterEnv(
  store: StoreConfig,
  peers: { opscomUrl?: string; stripeUrl?: string } = {},
): Record<string, string> {
  return {
    STRIPE_SECRET_KEY: 'sk_test_bench',
    STRIPE_WEBHOOK_SECRET: BENCH_SECRET,
    ...(peers.stripeUrl ? { STRIPE_API_URL: peers.stripeUrl } : {}),
    OPSCOM_API_TOKEN: BENCH_OPSCOM_TOKEN,
    ...(peers.opscomUrl ? { OPSCOM_BASE_URL: peers.opscomUrl } : {}),
    OPSCOM_TIMEZONE: 'America/Toronto',
    OPSCOM_ZONE: 'BENCH',
    ...storeEnv(store),
  };
}

/**
 * The built server (web: intake and worker, LOG_LEVEL=info) on a migrated `store`, with the
 * simulators in this process, receives `count` signed webhooks at `rate`/s on loopback after 50
 * warm-up. Ack latency is measured by the client; receipt → OPSCOM is the ledger's receipt
 * time to the OPSCOM simulator's receipt time of the same payment.
 */
export async function measureTimeToPermit(options: {
  store: StoreConfig;
  count: number;
  rate: number;
  concurrency: number;
}): Promise<TimeToPermit> {
  const { count, rate } = options;
  const warmup = 50;
  const opscom = await startOpscomSimulator({ apiToken: BENCH_OPSCOM_TOKEN });
  const stripeSim = await startStripeSimulator();
  const server = await startBenchServer({
    ...benchAdapterEnv(options.store, { opscomUrl: opscom.url, stripeUrl: stripeSim.url }),
    WORKER_CONCURRENCY: String(options.concurrency),
  });
  const webhooks = paidWebhooks(stripeSim, `http://127.0.0.1:${server.port}/webhooks/stripe`);
  const bodies = webhooks.make(warmup + count);
  const send = async (body: string): Promise<number> => {
    const started = performance.now();
    await webhooks.send(body);
    return performance.now() - started;
  };

  for (const { body } of bodies.slice(0, warmup)) await send(body);
  const measured = bodies.slice(warmup);
  const t0 = performance.now();
  const acks = await Promise.all(
    measured.map(async ({ body }, i) => {
      const wait = t0 + (i * 1000) / rate - performance.now();
      if (wait > 0) await sleep(wait);
      return send(body);
    }),
  );
  const sendSeconds = (performance.now() - t0) / 1000;
  const deadline = Date.now() + 120_000;
  while (opscom.permits.size < bodies.length && Date.now() < deadline) await sleep(50);
  const rssMb = peakRssMb(server.child.pid);
  await server.stop();

  const opscomAt = new Map(opscom.received.map((r) => [r.body['LicencePlate'], r.at]));
  const toOpscom = await receiptToOpscom(options.store, measured, opscomAt);
  await opscom.close();
  await stripeSim.close();
  return {
    offered: rate,
    achieved: count / sendSeconds,
    ackP50: percentile(acks, 50),
    ackP99: percentile(acks, 99),
    permitP50: percentile(toOpscom, 50),
    permitP99: percentile(toOpscom, 99),
    permits: toOpscom.length,
    count,
    rssMb,
  };
}
