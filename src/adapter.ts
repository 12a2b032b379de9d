import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { anyAlertRoute } from './alerts/alertRoutes';
import { createApp } from './app';
import { createBackground } from './compose/background';
import { adoptLegacyJobs } from './compose/legacySite';
import { watchedJobServices } from './compose/watchedServices';
import { consoleDeps, driverPageDeps } from './compose/webParts';
import type { Config } from './config';
import { createEdge } from './http/edge';
import type { Logger } from './logger';
import { createMetrics } from './metrics/metrics';
import type { Ledger } from './store/ledger';
import { openLedger } from './store/openLedger';
import { createStripeClient } from './stripe/stripeClient';
import type { JobDeps } from './worker/processJob';
import type { Worker } from './worker/worker';

export interface RunningAdapter {
  /** The HTTP port; undefined for a worker-only process. */
  port: number | undefined;
  server: Server | undefined;
  ledger: Ledger;
  worker: Worker | undefined;
  /** Graceful stop: no new requests, jobs in flight get `graceMs`, then the ledger closes. */
  stop(graceMs?: number): Promise<void>;
}

/** Seams for tests: a clock, a short wait between retries, the pace of alert rounds. */
export interface AdapterOverrides {
  now?: () => number;
  retryDelay?: JobDeps['retryDelay'];
  /** Between two alert rounds (default 5 s). */
  alertIntervalMs?: number;
  /** Clients the console's login throttle remembers (default http/loginThrottle.ts). */
  loginThrottleClients?: number;
  /** The verification loop's first wait after a Plate Validation outage (default 1 s). */
  verifyOutageWaitMs?: number;
}

/**
 * Opens the ledger and starts what PROCESS_TYPE asks for: intake (HTTP), the worker, or both.
 */
export async function startAdapter(
  config: Config,
  logger: Logger,
  overrides: AdapterOverrides = {},
): Promise<RunningAdapter> {
  const now = overrides.now ?? Date.now;
  const ledger = await openLedger(config.store, logger);
  const adoption = adoptLegacyJobs(ledger, config.sites, logger);
  const stripe = createStripeClient({
    secretKey: config.stripe.secretKey,
    apiUrl: config.stripe.apiUrl,
    timeoutMs: config.stripe.timeoutMs,
  });
  const metrics = createMetrics(ledger, now, config.sites);
  const edge = createEdge(config.http, {
    logger,
    metrics,
    now,
    ...(overrides.loginThrottleClients
      ? { loginThrottleClients: overrides.loginThrottleClients }
      : {}),
  });
  // OPSCOM's and Stripe's calls counted and watched for what the alerts must tell.
  const watched = watchedJobServices(config, metrics, now);
  const jobDeps = {
    ledger,
    ...watched.services,
    metrics,
    now,
    logger,
    ...(overrides.retryDelay ? { retryDelay: overrides.retryDelay } : {}),
  };
  const background =
    config.processType === 'intake'
      ? undefined
      : createBackground({
          config,
          ledger,
          jobDeps,
          metrics,
          token: watched.token,
          tokens: watched.tokens,
          stripeAccess: watched.stripeAccess,
          loginRefusals: config.console ? () => edge.loginThrottle.recentRefusals() : undefined,
          now,
          logger,
          alertIntervalMs: overrides.alertIntervalMs,
          verifyOutageWaitMs: overrides.verifyOutageWaitMs,
          siteGate: watched.siteGate,
        });
  const worker = background?.worker;
  // This process's worker starts the job at once; others hear of it from the ledger.
  const onJobRecorded = () => worker?.notify();

  let server: Server | undefined;
  if (config.processType !== 'worker') {
    const web = { config, ledger, jobDeps, stripe, edge, metrics };
    const siteHealth = worker ? () => worker.siteHealth() : undefined; // the console's sites
    const parts = { ...web, onJobRecorded, now, logger, siteHealth };
    const app = createApp({
      ledger,
      webhooks: stripe.webhooks,
      webhookSecrets: config.stripe.webhookSecrets,
      sites: config.sites,
      livemode: config.stripe.livemode,
      logger,
      now,
      onJobRecorded,
      metrics,
      metricsToken: config.metricsToken,
      console: consoleDeps(parts),
      driverPage: driverPageDeps(parts),
      alertRefundFailures: anyAlertRoute(config.alerts.webhookUrl, config.sites),
      refusals: edge.refusals,
      bodyBudget: edge.bodyBudget,
      trustProxy: config.http.trustProxy,
      hsts: config.publicUrl?.protocol === 'https:',
    });
    server = await edge.listen(app, config.port);
  }
  if (worker) {
    ledger.onJobAvailable(() => worker.notify());
    worker.start();
  }
  background?.alerts?.start();
  background?.retention?.start();
  background?.verifier?.start();

  let stopped: Promise<void> | undefined;
  return {
    port: server ? (server.address() as AddressInfo).port : undefined,
    server,
    ledger,
    worker,
    stop(graceMs = config.shutdownGraceMs) {
      stopped ??= stopAll(graceMs);
      return stopped;
    },
  };

  /** Graceful stop: no new requests, then the loops, then jobs in flight, then the ledger. */
  async function stopAll(graceMs: number): Promise<void> {
    const closed = server
      ? new Promise<void>((resolve) => server?.close(() => resolve()))
      : Promise.resolve();
    server?.closeIdleConnections();
    await background?.alerts?.stop();
    await background?.retention?.stop();
    await background?.verifier?.stop();
    await worker?.stop(graceMs);
    server?.closeAllConnections();
    await closed;
    edge.stop();
    await adoption.stop();
    await ledger.close();
  }
}
