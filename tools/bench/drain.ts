import { setTimeout as sleep } from 'node:timers/promises';
import type { StoreConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { startOpscomSimulator } from '../simulators/opscomSimulator';
import { startStripeSimulator } from '../simulators/stripeSimulator';
import { openLedger } from '../../src/store/openLedger';
import { startBenchServer } from './benchServer';
import { runIngest } from './ingest';
import { peakRssMb } from './processStats';
import { BENCH_OPSCOM_TOKEN, benchAdapterEnv } from './timeToPermit';

export interface DrainResult {
  jobs: number;
  concurrency: number;
  latencyMs: number;
  permitsPerSecond: number;
  /** concurrency ÷ OPSCOM latency: what the worker could reach if nothing else took time. */
  limit: number;
  rssMb: number;
  seconds: number;
}

/**
 * Queues `jobs` paid sessions through an intake-only process, then starts a process with WORKER_CONCURRENCY=`concurrency` against an OPSCOM simulator that answers in
 * `latencyMs`, and measures permits per second from its first permit to its last.
 */
export async function measureDrain(options: {
  store: StoreConfig;
  jobs: number;
  concurrency: number;
  latencyMs: number;
}): Promise<DrainResult> {
  const opscom = await startOpscomSimulator({
    apiToken: BENCH_OPSCOM_TOKEN,
    latencyMs: options.latencyMs,
  });
  // The benchmark's sessions are made up by the load generator: let write-backs find them.
  const stripeSim = await startStripeSimulator({ acceptUnknown: true });
  const env = {
    ...benchAdapterEnv(options.store, { opscomUrl: opscom.url, stripeUrl: stripeSim.url }),
    LOG_LEVEL: 'warn',
  };
  const intake = await startBenchServer({ ...env, PROCESS_TYPE: 'intake' });
  const queued = await runIngest({
    port: intake.port,
    seconds: 600,
    connections: 16,
    amount: options.jobs,
  });
  await intake.stop();
  if (queued.acked !== options.jobs)
    throw new Error(`only ${queued.acked} of ${options.jobs} webhooks were acknowledged`);

  // A web process (its worker does the draining; no webhook reaches its intake meanwhile), so
  // that its readiness can be seen on /healthz.
  const worker = await startBenchServer({
    ...env,
    PROCESS_TYPE: 'web',
    WORKER_CONCURRENCY: String(options.concurrency),
  });
  const deadline = Date.now() + 30 * 60_000;
  const ledger = await openLedger(
    options.store,
    createLogger({ level: 'error', pretty: false, silent: true }),
  );
  while (opscom.permits.size < options.jobs && Date.now() < deadline) await sleep(200);
  // And until every job is done (the last write-backs).
  while ((await ledger.listJobs(['pending'])).length > 0 && Date.now() < deadline) await sleep(200);
  const rssMb = peakRssMb(worker.child.pid);
  await worker.stop();
  await ledger.close();
  const times = opscom.received.filter((r) => r.answered === 'success').map((r) => r.at);
  const seconds = (Math.max(...times) - Math.min(...times)) / 1000;
  await opscom.close();
  await stripeSim.close();
  return {
    jobs: options.jobs,
    concurrency: options.concurrency,
    latencyMs: options.latencyMs,
    permitsPerSecond: (times.length - 1) / seconds,
    limit: options.concurrency / (options.latencyMs / 1000),
    rssMb,
    seconds,
  };
}
