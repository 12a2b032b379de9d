import { describeError } from '../errors';
import type { Logger } from '../logger';
import type { AlertLedger } from '../store/callerLedgers';
import type { AlertDelivery } from '../store/ledger';
import { alertRetryDelayMs } from '../timing/backoff';
import { periodic } from '../timing/periodic';
import { alertText, slackEscape } from '../domain/alertText';
import type { TokenState } from './opscomTokenWatch';

export interface AlertMonitorDeps {
  ledger: AlertLedger;
  /** Posts one message (alertWebhook); throws when it was not taken. */
  send: (text: string) => Promise<void>;
  /** ALERT_PENDING_MINUTES. */
  pendingMinutes: number;
  /** PUBLIC_URL: messages about a job link to its console page. */
  publicUrl: URL | undefined;
  /** What this process heard from OPSCOM about the token. */
  token: () => TokenState;
  /** Console logins refused in the last 15 minutes, when this process serves the console. */
  loginRefusals?: (() => number) | undefined;
  now: () => number;
  logger: Logger;
  /** Between two rounds (default 5 s). */
  intervalMs?: number;
}

/** Messages claimed at once; more than COALESCE_OVER go out as one message. */
const BATCH = 50;
const COALESCE_OVER = 5;
/** How long a claimed message is this process's to send. */
const CLAIM_MS = 60_000;
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
 * job or condition (a failed or dead job, the queue late, OPSCOM refusing the token; a failed
 * refund is recorded by intake), and what is right again; then sends the messages due from
 * that outbox, retrying each until the webhook takes it. So an alert survives a restart and
 * an outage of the receiver, and is sent once per job or condition (at least once: a process
 * killed between sending and recording it sends it again).
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
    const token = deps.token();
    if (token.refusedAt !== undefined && (token.acceptedAt ?? 0) < token.refusedAt) {
      await ledger.raiseAlert({
        key: 'opscom_token',
        kind: 'opscom_token',
        sessionId: null,
        message: alertText.tokenRefused(token.refusal ?? ''),
        now,
      });
    } else if (token.acceptedAt !== undefined) {
      await ledger.clearAlert('opscom_token', alertText.tokenAccepted(), now);
    }
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

  const link = (sessionId: string | null) =>
    sessionId && deps.publicUrl
      ? ` ${new URL(`console/jobs/${encodeURIComponent(sessionId)}`, withSlash(deps.publicUrl)).href}`
      : '';
  const lineOf = (d: AlertDelivery) =>
    `${slackEscape(d.phase === 'open' ? d.alert.message : (d.alert.clearMessage ?? ''))}${link(d.alert.sessionId)}`;

  async function deliver(now: number): Promise<void> {
    const due = await ledger.claimAlertDeliveries(now, now + CLAIM_MS, BATCH);
    if (due.length === 0) return;
    // Many at once (an outage failed hundreds of jobs): one message, not a flood.
    const messages =
      due.length > COALESCE_OVER
        ? [{ text: coalesced(due, lineOf, deps.publicUrl), items: due }]
        : due.map((d) => ({ text: lineOf(d), items: [d] }));
    for (const message of messages) {
      try {
        await deps.send(message.text);
        for (const d of message.items)
          await ledger.alertDelivered(d.alert.key, d.phase, deps.now());
        logger.info('alert sent', { alerts: message.items.map((d) => d.alert.key) });
      } catch (err) {
        const error = describeError(err);
        for (const d of message.items) {
          await ledger.alertDeliveryFailed(
            d.alert.key,
            error,
            deps.now() + alertRetryDelayMs(d.alert.attempts + 1),
          );
        }
        logger.warn('alert not sent; will retry', { error, alerts: message.items.length });
      }
    }
  }

  async function tick(): Promise<void> {
    const now = deps.now();
    await record(now);
    await deliver(now);
  }

  const loop = periodic(tick, {
    intervalMs: deps.intervalMs ?? 5000,
    logger,
    failure: 'alert round failed; next round will try again',
    level: 'error',
  });
  return { tick, start: () => loop.start(), stop: () => loop.stop() };
}

function withSlash(url: URL): URL {
  return url.pathname.endsWith('/') ? url : new URL(`${url.href}/`);
}

function coalesced(
  due: readonly AlertDelivery[],
  lineOf: (d: AlertDelivery) => string,
  publicUrl: URL | undefined,
): string {
  const shown = due.slice(0, 10).map((d) => `• ${lineOf(d)}`);
  const more = due.length - shown.length;
  const failedList = publicUrl
    ? ` Failed jobs: ${new URL('console/jobs?state=failed%2Cdead', withSlash(publicUrl)).href}`
    : '';
  return [
    `${due.length} alerts at once:`,
    ...shown,
    ...(more > 0 ? [`…and ${more} more.${failedList}`] : []),
  ].join('\n');
}
