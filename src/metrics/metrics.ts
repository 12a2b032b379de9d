import { Registry, collectDefaultMetrics } from 'prom-client';
import type { RefusalReason, RefusalSurface } from '../errors';
import type { Sites } from '../sites/site';
import type { MetricsLedger } from '../store/callerLedgers';
import type { CheckResult } from '../store/verificationLedger';
import { callMetrics } from './callMetrics';
import { edgeMetrics } from './edgeMetrics';
import { ledgerGauges } from './ledgerGauges';
import { PREFIX } from './metricNames';
import { permitMetrics } from './permitMetrics';
import { siteLabel } from './siteLabel';

export type JobOutcome = 'done' | 'retried' | 'failed' | 'dead' | 'cancelled';
export type CallOutcome = 'ok' | 'transient' | 'operator' | 'permanent';
/** What recorded the payment whose permit was made: its webhook, the driver's page, replay. */
export type PermitTrigger = 'webhook' | 'page' | 'replay';
/** What the driver's page answered (see driver/driverRouter.ts). */
export type DriverPageOutcome =
  'shown' | 'fulfilled' | 'not_found' | 'rate_limited' | 'stripe_unavailable';

/**
 * What the adapter counts, in Prometheus's terms (one prefix, base units, no label with a
 * plate, a session or an event id). Counters and histograms are fed as things happen; the
 * job gauges are read from the ledger at each scrape (one grouped query, one indexed MIN).
 */
export interface Metrics {
  readonly registry: Registry;
  webhookReceived(type: string, outcome: string): void;
  /** A refused request (http/refusals.ts): on the webhook, the console's login, or elsewhere. */
  refused(surface: RefusalSurface, reason: RefusalReason): void;
  /** What the public edge holds now, read at each scrape (set once the server runs). */
  watchEdge(probe: () => EdgeFigures): void;
  /**
   * `site` (here and below): the site whose OPSCOM or job it was, as the job stores it (`null`:
   * none matched); omitted, the default site. Labelled only when several sites are configured.
   */
  opscomCall(operation: string, outcome: CallOutcome, seconds: number, site?: string | null): void;
  stripeCall(operation: string, outcome: CallOutcome, seconds: number): void;
  jobOutcome(outcome: JobOutcome, site?: string | null): void;
  /** An OPSCOM call past its timeout: its answer came late, or was lost after the grace. */
  opscomInDoubt(resolution: 'late_answer' | 'answer_lost', site?: string | null): void;
  /** The paying event's `created` → OPSCOM's answer; the receipt → OPSCOM's answer. */
  permitMade(
    trigger: PermitTrigger,
    paymentToPermitSeconds: number,
    receiptToPermitSeconds: number,
    site?: string | null,
  ): void;
  /** One Plate Validation check of a permit, by what it found (verify/). */
  verificationResult(result: CheckResult): void;
  /** One answer of the driver's page. */
  driverPage(outcome: DriverPageOutcome): void;
  /** The payment → the first time the driver's page showed its permit active (this process). */
  permitShownOnPage(paymentToShownSeconds: number): void;
}

/** The public edge's state: what an attack would fill. */
export interface EdgeFigures {
  connections: number;
  bufferedBodyBytes: number;
  /** Clients the console's login throttle remembers (0 without a console). */
  loginThrottleEntries: number;
}

/**
 * The adapter's metrics in one registry with Node's defaults; each group of series is built
 * beside what it counts (edge, calls, permits, the ledger's gauges). `sites`: the configured
 * sites, the only values the `site` label takes (none given: one site, no label).
 */
export function createMetrics(
  ledger: MetricsLedger,
  now: () => number = Date.now,
  sites?: Pick<Sites, 'list' | 'byId' | 'defaultId'>,
): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: PREFIX });
  const registers = [registry];
  ledgerGauges(registers, ledger, now);
  const bySite = siteLabel(sites);
  return {
    registry,
    ...edgeMetrics(registers),
    ...callMetrics(registers, bySite),
    ...permitMetrics(registers, bySite),
  };
}
