import { createAlertMonitor, type AlertMonitor } from '../alerts/alertMonitor';
import { alertRoutes } from '../alerts/alertRoutes';
import { alertWebhook } from '../alerts/alertWebhook';
import type { TokenState } from '../alerts/opscomTokenWatch';
import type { StripeAccessState } from '../alerts/stripeAccessWatch';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics/metrics';
import type { Ledger } from '../store/ledger';
import type { SharedJobDeps } from './sharedJobDeps';
import { createRetention, type Retention } from '../worker/retention';
import type { SiteGate } from '../worker/siteGate';
import { createWorker, type Worker } from '../worker/worker';
import { createVerifier, type Verifier } from '../verify/verifier';
import { verifyServices } from '../verify/verifyServices';

/** What runs beside the HTTP server, in a process that works jobs (PROCESS_TYPE web, worker). */
export interface Background {
  worker: Worker;
  retention: Retention | undefined;
  verifier: Verifier | undefined;
  alerts: AlertMonitor | undefined;
}

export interface BackgroundParts {
  config: Config;
  ledger: Ledger;
  jobDeps: SharedJobDeps;
  metrics: Metrics;
  token: () => TokenState;
  /** Every site's token watch (site id → its state), for one alert per refused token. */
  tokens?: ReadonlyMap<string, () => TokenState> | undefined;
  /** The write-backs' watch (Stripe refusing the key or a connected account); none: no alert. */
  stripeAccess?: (() => StripeAccessState) | undefined;
  /** Refused console logins lately, for the alert monitor (undefined without a console). */
  loginRefusals: (() => number) | undefined;
  now: () => number;
  logger: Logger;
  alertIntervalMs?: number | undefined;
  verifyOutageWaitMs?: number | undefined;
  /** The worker's site gate, told of every site's OPSCOM calls (adapter.ts); none: no gate. */
  siteGate?: SiteGate | undefined;
}

export function createBackground(parts: BackgroundParts): Background {
  const { config, ledger, now, logger } = parts;
  const worker = createWorker({
    ...parts.jobDeps,
    concurrency: config.worker.concurrency,
    pollMs: config.worker.pollMs,
    siteGate: parts.siteGate,
  });
  const retention =
    config.retentionDays === undefined
      ? undefined
      : createRetention({ ledger, days: config.retentionDays, now, logger });
  return {
    worker,
    retention,
    verifier: config.verify ? verifierFor(parts, worker, config.verify) : undefined,
    alerts: alertsFor(parts),
  };
}

/** OPSCOM_VERIFY=on: the verification loop, below the worker (verify/verifier.ts). */
function verifierFor(
  parts: BackgroundParts,
  jobs: Worker,
  verify: NonNullable<Config['verify']>,
): Verifier {
  const { config } = parts;
  return createVerifier({
    ledger: parts.ledger,
    ...verifyServices(config, verify),
    sites: config.sites,
    perSecond: verify.perSecond,
    timeoutMs: config.opscom.timeoutMs,
    // Job work first: no check starts while half the worker's slots are taken.
    busy: () => jobs.inFlight >= Math.max(1, Math.ceil(config.worker.concurrency / 2)),
    now: parts.now,
    logger: parts.logger,
    metrics: parts.metrics,
    idleMs: Math.min(1000, verify.delayMs),
    ...(parts.verifyOutageWaitMs ? { outageWaitMs: parts.verifyOutageWaitMs } : {}),
  });
}

/** Alerts go out only to a configured ALERT_WEBHOOK_URL, or a site's own alertWebhookUrl. */
function alertsFor(parts: BackgroundParts): AlertMonitor | undefined {
  const { config } = parts;
  const routes = alertRoutes(config.alerts.webhookUrl, config.sites, (url) => alertWebhook(url));
  if (!routes) return undefined;
  return createAlertMonitor({
    ledger: parts.ledger,
    ...routes,
    pendingMinutes: config.alerts.pendingMinutes,
    publicUrl: config.publicUrl,
    token: parts.token,
    tokens: parts.tokens,
    stripeAccess: parts.stripeAccess,
    loginRefusals: parts.loginRefusals,
    now: parts.now,
    logger: parts.logger,
    ...(parts.alertIntervalMs ? { intervalMs: parts.alertIntervalMs } : {}),
  });
}
