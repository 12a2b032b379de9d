import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './app';
import type { Config } from './config';
import type { Logger } from './logger';
import { createOpscomClient } from './opscom/opscomClient';
import type { Ledger } from './store/ledger';
import { openSqliteLedger } from './store/sqliteLedger';
import { createStripeClient } from './stripe/stripeClient';
import { createStripeWriteBack } from './stripe/stripeWriteBack';
import { createWorker, type Worker } from './worker/worker';

export interface RunningAdapter {
  port: number;
  server: Server;
  ledger: Ledger;
  worker: Worker;
  /** Graceful stop: no new requests, jobs in flight get `graceMs`, then the ledger closes. */
  stop(graceMs?: number): Promise<void>;
}

export interface AdapterOverrides {
  fetch?: typeof fetch;
  now?: () => number;
}

/** Opens the ledger, starts the worker and listens: the whole service, from a Config. */
export async function startAdapter(
  config: Config,
  logger: Logger,
  overrides: AdapterOverrides = {},
): Promise<RunningAdapter> {
  const now = overrides.now ?? Date.now;
  const ledger = openSqliteLedger(config.store.sqlitePath);
  const stripe = createStripeClient({
    secretKey: config.stripe.secretKey,
    apiUrl: config.stripe.apiUrl,
    timeoutMs: config.stripe.timeoutMs,
  });
  const worker = createWorker({
    ledger,
    opscom: createOpscomClient({
      baseUrl: config.opscom.baseUrl,
      apiToken: config.opscom.apiToken,
      timeoutMs: config.opscom.timeoutMs,
      ...(overrides.fetch ? { fetch: overrides.fetch } : {}),
    }),
    stripe: createStripeWriteBack(stripe),
    mapping: {
      timezone: config.opscom.timezone,
      defaultZone: config.opscom.defaultZone,
      maxDuration: config.maxPermitDuration,
    },
    concurrency: config.worker.concurrency,
    pollMs: config.worker.pollMs,
    leaseMs: config.worker.leaseMs,
    maxAgeMs: config.worker.maxAgeMs,
    now,
    logger,
  });
  const app = createApp({
    ledger,
    webhooks: stripe.webhooks,
    webhookSecrets: config.stripe.webhookSecrets,
    livemode: config.stripe.livemode,
    logger,
    now,
    onJobRecorded: () => worker.notify(),
  });

  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.port, () => resolve(s));
    s.once('error', reject);
  });
  worker.start();
  const port = (server.address() as AddressInfo).port;

  let stopped: Promise<void> | undefined;
  return {
    port,
    server,
    ledger,
    worker,
    stop(graceMs = config.shutdownGraceMs) {
      stopped ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await worker.stop(graceMs);
        server.closeAllConnections();
        await closed;
        await ledger.close();
      })();
      return stopped;
    },
  };
}
