import { describeError } from '../errors';
import type { Logger } from '../logger';
import { siteTag, slackEscape } from '../domain/alertText';
import type { AlertLedger } from '../store/callerLedgers';
import type { Alert, AlertDelivery, JobReadLedger } from '../store/ledger';
import { alertRetryDelayMs } from '../timing/backoff';
import type { AlertSites, SendAlert } from './alertRoutes';
import { siteOfAlert } from './alertSite';

/** Messages claimed at once; more than COALESCE_OVER to one place go out as one message. */
const BATCH = 50;
const COALESCE_OVER = 5;
/** How long a claimed message is this process's to send. */
const CLAIM_MS = 60_000;

export interface DeliveryDeps {
  ledger: Pick<AlertLedger, 'claimAlertDeliveries' | 'alertDelivered' | 'alertDeliveryFailed'> &
    Pick<JobReadLedger, 'getJob'>;
  /** ALERT_WEBHOOK_URL's; undefined: unset. */
  send: SendAlert | undefined;
  /** Omitted: every alert to `send`, in today's words. */
  sites?: AlertSites | undefined;
  publicUrl: URL | undefined;
  now: () => number;
  logger: Logger;
}

/** Where a message goes (`key`: the same for one destination) and the tag naming its site. */
interface Route {
  key: string;
  send: SendAlert | undefined;
  tag: string;
}
/** The messages due to one destination, each with its own site's tag. */
interface RouteGroup {
  send: SendAlert | undefined;
  items: AlertDelivery[];
  tags: Map<AlertDelivery, string>;
}

/**
 * Sends the messages due from the outbox, each to its site's route (ALERT_WEBHOOK_URL when
 * its site has none, or it is about no site), retrying each until the webhook takes it.
 */
export async function deliverDue(deps: DeliveryDeps, now: number): Promise<void> {
  const due = await deps.ledger.claimAlertDeliveries(now, now + CLAIM_MS, BATCH);
  if (due.length === 0) return;
  for (const { send, items, tags } of await byRoute(deps, due)) {
    if (!send) {
      await unrouted(deps, items);
      continue;
    }
    const line = lineOf(deps.publicUrl, (d) => tags.get(d) ?? '');
    // Many at once to one place (an outage failed hundreds of jobs): one message, not a flood.
    const messages =
      items.length > COALESCE_OVER
        ? [{ text: coalesced(items, line, deps.publicUrl), items }]
        : items.map((d) => ({ text: line(d), items: [d] }));
    for (const message of messages) await sendOne(deps, send, message);
  }
}

/** The due messages grouped by where they go, each group in the order claimed. */
async function byRoute(deps: DeliveryDeps, due: readonly AlertDelivery[]): Promise<RouteGroup[]> {
  const groups = new Map<string, RouteGroup>();
  for (const d of due) {
    const route = await routeOf(deps, d.alert);
    const group: RouteGroup = groups.get(route.key) ?? {
      send: route.send,
      items: [],
      tags: new Map(),
    };
    group.items.push(d);
    group.tags.set(d, route.tag);
    groups.set(route.key, group);
  }
  return [...groups.values()];
}

/** Where an alert goes, and the tag that names its site (none with one site). */
async function routeOf(deps: DeliveryDeps, alert: Alert): Promise<Route> {
  const fallback = { key: 'default', send: deps.send, tag: '' };
  const sites = deps.sites;
  if (!sites) return fallback;
  const site = await siteOfAlert(alert, sites, async (id) => (await deps.ledger.getJob(id))?.site);
  if (site === undefined) return fallback;
  const own = site === null ? undefined : sites.routeOf(site);
  return {
    key: own ? `site:${site}` : 'default',
    send: own ?? deps.send,
    tag: sites.named ? siteTag(site) : '',
  };
}

async function sendOne(
  deps: DeliveryDeps,
  send: SendAlert,
  message: { text: string; items: AlertDelivery[] },
): Promise<void> {
  const { ledger, logger } = deps;
  try {
    await send(message.text);
    for (const d of message.items) await ledger.alertDelivered(d.alert.key, d.phase, deps.now());
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

/**
 * No webhook for these (ALERT_WEBHOOK_URL unset and their site has none of its own): nobody
 * chose to hear them, so they are marked sent rather than retried for ever; the console still
 * lists them while they are open.
 */
async function unrouted(deps: DeliveryDeps, items: readonly AlertDelivery[]): Promise<void> {
  for (const d of items) await deps.ledger.alertDelivered(d.alert.key, d.phase, deps.now());
  deps.logger.info('alert not sent: no alert webhook for it', {
    alerts: items.map((d) => d.alert.key),
  });
}

function lineOf(
  publicUrl: URL | undefined,
  tagOf: (d: AlertDelivery) => string,
): (d: AlertDelivery) => string {
  const link = (sessionId: string | null) =>
    sessionId && publicUrl
      ? ` ${new URL(`console/jobs/${encodeURIComponent(sessionId)}`, withSlash(publicUrl)).href}`
      : '';
  return (d) =>
    `${tagOf(d)}${slackEscape(d.phase === 'open' ? d.alert.message : (d.alert.clearMessage ?? ''))}${link(d.alert.sessionId)}`;
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
