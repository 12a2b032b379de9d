import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAlertMonitor, type AlertMonitor } from './alerts/alertMonitor';
import { alertWebhook } from './alerts/alertWebhook';
import { watchOpscomToken } from './alerts/opscomTokenWatch';
import { createApp } from './app';
import type { ConsoleDeps } from './console/consoleDeps';
import { reachabilityProbe } from './console/reachability';
import { createEdge } from './http/edge';
import type { DriverPageDeps } from './driver/driverRouter';
import { lookupLimits } from './driver/lookupLimits';
import { createReplayService } from './replay/replayService';
import { newOwnerId } from './store/owner';
import { createStripeReader } from './stripe/stripeReader';
import { instrumentOpscom, instrumentStripe } from './metrics/instrument';
import { createMetrics } from './metrics/metrics';
import type { Config } from './config';
import type { Logger } from './logger';
import type { Ledger } from './store/ledger';
import { openLedger } from './store/openLedger';
import { createStripeClient } from './stripe/stripeClient';
import { jobServices } from './worker/jobServices';
import type { JobDeps } from './worker/processJob';
import { createRetention } from './worker/retention';
import { createWorker, type Worker } from './worker/worker';
import { createVerifier, type Verifier } from './verify/verifier';
import { verifyServices } from './verify/verifyServices';

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
  const stripe = createStripeClient({
    secretKey: config.stripe.secretKey,
    apiUrl: config.stripe.apiUrl,
    timeoutMs: config.stripe.timeoutMs,
  });
  const metrics = createMetrics(ledger, now);
  const edge = createEdge(config.http, {
    logger,
    metrics,
    now,
    ...(overrides.loginThrottleClients
      ? { loginThrottleClients: overrides.loginThrottleClients }
      : {}),
  });
  const services = jobServices(config);
  const token = watchOpscomToken(instrumentOpscom(services.opscom, metrics), now);
  const jobDeps = {
    ledger,
    ...services,
    opscom: token.client,
    stripe: instrumentStripe(services.stripe, metrics),
    metrics,
    now,
    logger,
    ...(overrides.retryDelay ? { retryDelay: overrides.retryDelay } : {}),
  };
  const worker =
    config.processType === 'intake'
      ? undefined
      : createWorker({
          ...jobDeps,
          concurrency: config.worker.concurrency,
          pollMs: config.worker.pollMs,
        });
  const retention =
    worker && config.retentionDays !== undefined
      ? createRetention({ ledger, days: config.retentionDays, now, logger })
      : undefined;
  const verifier = worker && config.verify ? startVerifier(worker, config.verify) : undefined;
  const webhookUrl = config.alerts.webhookUrl;
  const alerts: AlertMonitor | undefined =
    worker && webhookUrl
      ? createAlertMonitor({
          ledger,
          send: alertWebhook(webhookUrl),
          pendingMinutes: config.alerts.pendingMinutes,
          publicUrl: config.publicUrl,
          token: token.state,
          loginRefusals: config.console ? () => edge.loginThrottle.recentRefusals() : undefined,
          now,
          logger,
          ...(overrides.alertIntervalMs ? { intervalMs: overrides.alertIntervalMs } : {}),
        })
      : undefined;

  let server: Server | undefined;
  if (config.processType !== 'worker') {
    const app = createApp({
      ledger,
      webhooks: stripe.webhooks,
      webhookSecrets: config.stripe.webhookSecrets,
      livemode: config.stripe.livemode,
      logger,
      now,
      // This process's worker starts the job at once; others hear of it from the ledger.
      onJobRecorded: () => worker?.notify(),
      metrics,
      metricsToken: config.metricsToken,
      console: consoleDeps(),
      driverPage: driverPageDeps(),
      alertRefundFailures: webhookUrl !== undefined,
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
  alerts?.start();
  retention?.start();
  verifier?.start();

  /** OPSCOM_VERIFY=on: the verification loop, below the worker (verify/verifier.ts). */
  function startVerifier(jobs: Worker, verify: NonNullable<Config['verify']>): Verifier {
    return createVerifier({
      ledger,
      ...verifyServices(config, verify),
      perSecond: verify.perSecond,
      timeoutMs: config.opscom.timeoutMs,
      // Job work first: no check starts while half the worker's slots are taken.
      busy: () => jobs.inFlight >= Math.max(1, Math.ceil(config.worker.concurrency / 2)),
      now,
      logger,
      metrics,
      idleMs: Math.min(1000, verify.delayMs),
      ...(overrides.verifyOutageWaitMs ? { outageWaitMs: overrides.verifyOutageWaitMs } : {}),
    });
  }

  /** The console's parts: replay's path for its actions, probes of OPSCOM and Stripe. */
  function consoleDeps(): ConsoleDeps | undefined {
    if (!config.console) return undefined;
    return {
      ledger,
      credentials: config.console,
      replay: createReplayService({
        job: { ...jobDeps, owner: newOwnerId('console') },
        reader: createStripeReader(stripe),
        livemode: config.stripe.livemode,
        concurrency: config.worker.concurrency,
      }),
      reachability: reachabilityProbe([
        { name: 'OPSCOM', url: config.opscom.baseUrl },
        { name: 'Stripe', url: config.stripe.apiUrl ?? new URL('https://api.stripe.com') },
      ]),
      pendingAlertMinutes: config.alerts.pendingMinutes,
      now,
      logger,
      throttle: edge.loginThrottle,
      refusals: edge.refusals,
      bodyBudget: edge.bodyBudget,
      secure: config.publicUrl?.protocol === 'https:',
    };
  }

  /** The driver's page: the ledger, Stripe's reads, and the worker told of what it records. */
  function driverPageDeps(): DriverPageDeps | undefined {
    const page = config.driverPage;
    if (!page) return undefined;
    return {
      ledger,
      reader: createStripeReader(stripe),
      livemode: config.stripe.livemode,
      now,
      onJobRecorded: () => worker?.notify(),
      mapping: services.mapping,
      operator: page.operator,
      limits: lookupLimits({
        perIdMs: 60_000,
        perAddress: page.lookupsPerAddress,
        windowMs: 60_000,
        maxEntries: 50_000,
      }),
      waitMs: page.waitMs,
      maxWaiting: 500,
      logger,
      metrics,
    };
  }

  let stopped: Promise<void> | undefined;
  return {
    port: server ? (server.address() as AddressInfo).port : undefined,
    server,
    ledger,
    worker,
    stop(graceMs = config.shutdownGraceMs) {
      stopped ??= (async () => {
        const closed = server
          ? new Promise<void>((resolve) => server.close(() => resolve()))
          : Promise.resolve();
        server?.closeIdleConnections();
        await alerts?.stop();
        await retention?.stop();
        await verifier?.stop();
        await worker?.stop(graceMs);
        server?.closeAllConnections();
        await closed;
        edge.stop();
        await ledger.close();
      })();
      return stopped;
    },
  };
}
