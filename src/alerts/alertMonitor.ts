import type { Logger } from '../logger';
import type { AlertLedger } from '../store/callerLedgers';
import type { JobReadLedger, OperatorLedger } from '../store/ledger';
import { periodic } from '../timing/periodic';
import { alertText } from '../domain/alertText';
import { deliverDue } from './alertDelivery';
import type { AlertSites, SendAlert } from './alertRoutes';
import { siteAlertKey, STRIPE_ACCOUNT_KEY, TOKEN_KEY, VALIDATION_KEY } from './alertSite';
import { clearStaleSiteAlerts, type ConfiguredSites } from './staleAlerts';
import type { TokenState } from './opscomTokenWatch';
import { recordStripeAccess } from './stripeAccessAlerts';
import type { StripeAccessState } from './stripeAccessWatch';

export interface AlertMonitorDeps {
  /** The outbox; a job's site is read from its row when the alert is sent. */
  ledger: AlertLedger & Pick<JobReadLedger, 'getJob'> & Pick<OperatorLedger, 'openAlerts'>;
  /** Posts one message to ALERT_WEBHOOK_URL (alertWebhook); throws when it was not taken. */
  send: SendAlert | undefined;
  /**
   * The sites: an alert about one names it (with several) and goes to its own route when it
   * has one. Omitted: every alert goes to `send`, in today's words.
   */
  sites?: AlertSites | undefined;
  /** ALERT_PENDING_MINUTES. */
  pendingMinutes: number;
  /** PUBLIC_URL: messages about a job link to its console page. */
  publicUrl: URL | undefined;
  /** What this process heard from OPSCOM about each site's token (site id → its watch). */
  tokens?: ReadonlyMap<string, () => TokenState> | undefined;
  /** The one site's token watch, when `tokens` is not given. */
  token?: (() => TokenState) | undefined;
  /** What this process's write-backs heard from Stripe of the key and each connected account. */
  stripeAccess?: (() => StripeAccessState) | undefined;
  /** Console logins refused in the last 15 minutes, when this process serves the console. */
  loginRefusals?: (() => number) | undefined;
  now: () => number;
  logger: Logger;
  /** Between two rounds (default 5 s). */
  intervalMs?: number;
}

/** Failed jobs turned into alerts per round. */
const JOBS_PER_ROUND = 200;
/**
 * Console logins refused in 15 minutes (wrong, or unchecked while their client waits) that
 * make an alert: far above an operator mistyping (a client waits after 10 failures), so
 * someone is guessing. It clears after 15 minutes without one.
 */
export const LOGIN_REFUSALS_ALERT = 50;

export interface AlertMonitor {
  /** One round: record what is wrong (or right again), then send what is due. */
  tick(): Promise<void>;
  start(): void;
  stop(): Promise<void>;
}

/**
 * Alerts, run by the worker. Each round records in the ledger what is wrong now, one row per
 * job or condition (a failed or dead job, the queue late, OPSCOM refusing the token, Stripe
 * refusing the key or a connected account; a failed refund is recorded by intake), and what is right again; then sends the messages due from
 * that outbox to its site's webhook (alertDelivery.ts), retrying each until the webhook takes
 * it. So an alert survives a restart and an outage of the receiver, and is sent once per job or
 * condition (at least once: a process killed between sending and recording it sends it again).
 */
export function createAlertMonitor(deps: AlertMonitorDeps): AlertMonitor {
  const { ledger, logger } = deps;

  async function record(now: number): Promise<void> {
    for (const job of await ledger.jobsNeedingAlert(JOBS_PER_ROUND)) {
      await ledger.raiseAlert({
        key: `job:${job.sessionId}`,
        kind: 'job',
        sessionId: job.sessionId,
        message: alertText.jobFailed(job),
        now,
      });
    }
    for (const resolved of await ledger.resolvedJobAlerts()) {
      await ledger.clearAlert(
        resolved.key,
        alertText.jobResolved(resolved.sessionId, resolved.state),
        now,
      );
    }
    const oldest = await ledger.oldestDuePending(now);
    const waited = oldest === undefined ? 0 : now - oldest;
    if (waited > deps.pendingMinutes * 60_000) {
      await ledger.raiseAlert({
        key: 'pending_age',
        kind: 'pending_age',
        sessionId: null,
        message: alertText.pending(waited, deps.pendingMinutes),
        now,
      });
    } else {
      await ledger.clearAlert('pending_age', alertText.pendingCleared(), now);
    }
    await recordTokens(deps, now);
    await recordStripeAccess(deps, now);
    const failures = deps.loginRefusals?.();
    if (failures !== undefined && failures >= LOGIN_REFUSALS_ALERT) {
      await ledger.raiseAlert({
        key: 'console_logins',
        kind: 'console_logins',
        sessionId: null,
        message: alertText.loginFailures(failures),
        now,
      });
    } else if (failures === 0) {
      await ledger.clearAlert('console_logins', alertText.loginFailuresCleared(), now);
    }
  }

  // Once, at start-up: the alerts of a site's condition keyed for sites no longer configured.
  let swept = false;
  async function tick(): Promise<void> {
    const now = deps.now();
    if (!swept) {
      const sites: ConfiguredSites = deps.sites ?? { named: false, has: () => false };
      const kinds = [TOKEN_KEY, VALIDATION_KEY, STRIPE_ACCOUNT_KEY] as const;
      await clearStaleSiteAlerts(ledger, sites, kinds, { now, logger });
      swept = true;
    }
    await record(now);
    await deliverDue(deps, now);
  }

  const loop = periodic(tick, {
    intervalMs: deps.intervalMs ?? 5000,
    logger,
    failure: 'alert round failed; next round will try again',
    level: 'error',
  });
  return { tick, start: () => loop.start(), stop: () => loop.stop() };
}

/** One alert per site whose token OPSCOM refuses; keyed by the site when there are several. */
async function recordTokens(deps: AlertMonitorDeps, now: number): Promise<void> {
  const { ledger } = deps;
  const watches: Array<[string | undefined, () => TokenState]> = deps.tokens
    ? [...deps.tokens]
    : deps.token
      ? [[deps.sites?.defaultId, deps.token]]
      : [];
  for (const [siteId, watch] of watches) {
    const key = siteAlertKey(TOKEN_KEY, siteId, deps.sites?.named ?? false);
    const token = watch();
    if (token.refusedAt !== undefined && (token.acceptedAt ?? 0) < token.refusedAt) {
      const tokenEnv = siteId === undefined ? undefined : deps.sites?.tokenEnvOf(siteId);
      await ledger.raiseAlert({
        key,
        kind: 'opscom_token',
        sessionId: null,
        message: alertText.tokenRefused(token.refusal ?? '', tokenEnv),
        now,
      });
    } else if (token.acceptedAt !== undefined) {
      await ledger.clearAlert(key, alertText.tokenAccepted(), now);
    }
  }
}
