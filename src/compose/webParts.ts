import type { Config } from '../config';
import { severalSites } from '../sites/site';
import type { ConsoleDeps } from '../console/consoleDeps';
import type { ConsoleSites } from '../console/sites';
import { reachabilityProbe, sitePeersOf } from '../console/reachability';
import type { DriverPageDeps } from '../driver/driverRouter';
import { lookupLimits } from '../driver/lookupLimits';
import type { SiteOfJob } from '../driver/pageSite';
import type { Edge } from '../http/edge';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics/metrics';
import { createReplayService } from '../replay/replayService';
import type { Ledger } from '../store/ledger';
import type { SiteHealth } from '../worker/siteGate';
import { newOwnerId } from '../store/owner';
import type Stripe from 'stripe';
import { stripeReaders } from '../stripe/stripeReader';
import type { SharedJobDeps } from './sharedJobDeps';

/** What the console and the driver's page are built from. */
export interface WebParts {
  config: Config;
  ledger: Ledger;
  jobDeps: SharedJobDeps;
  /** The Stripe client: reads are made as each object's account (stripeReaders). */
  stripe: Stripe;
  edge: Edge;
  metrics: Metrics;
  /** Tells this process's worker of a job just recorded (nothing in an intake-only process). */
  onJobRecorded: () => void;
  now: () => number;
  logger: Logger;
  /** This process's worker's view of each site (none in an intake-only process). */
  siteHealth?: (() => SiteHealth[]) | undefined;
}

/** The console's parts: replay's path for its actions, probes of OPSCOM and Stripe. */
export function consoleDeps(parts: WebParts): ConsoleDeps | undefined {
  const { config, edge } = parts;
  if (!config.console) return undefined;
  return {
    ledger: parts.ledger,
    credentials: config.console,
    replay: createReplayService({
      job: { ...parts.jobDeps, owner: newOwnerId('console') },
      readers: (around) => stripeReaders(parts.stripe, around),
      sites: config.sites,
      livemode: config.stripe.livemode,
      concurrency: config.worker.concurrency,
    }),
    reachability: consoleProbe(config),
    pendingAlertMinutes: config.alerts.pendingMinutes,
    now: parts.now,
    logger: parts.logger,
    throttle: edge.loginThrottle,
    refusals: edge.refusals,
    bodyBudget: edge.bodyBudget,
    secure: config.publicUrl?.protocol === 'https:',
    sites: consoleSites(parts),
  };
}

/**
 * The overview's probes: Stripe, and OPSCOM_BASE_URL with one site; with several, each site's
 * own OPSCOM base URL (each distinct one once), so no site's host goes unprobed.
 */
function consoleProbe(config: Config): ConsoleDeps['reachability'] {
  const stripe = { name: 'Stripe', url: config.stripe.apiUrl ?? new URL('https://api.stripe.com') };
  if (!severalSites(config.sites)) {
    return reachabilityProbe([{ name: 'OPSCOM', url: config.opscom.baseUrl }, stripe]);
  }
  return reachabilityProbe([stripe], {}, sitePeersOf('OPSCOM', config.sites.list));
}

/** Several sites: their ids and health for the console; one site: nothing new to show. */
function consoleSites(parts: WebParts): ConsoleSites | undefined {
  const sites = parts.config.sites;
  if (!severalSites(sites)) return undefined;
  return { ids: sites.list.map((site) => site.id), known: sites, health: parts.siteHealth };
}

/** The driver's page: the ledger, Stripe's reads, and the worker told of what it records. */
export function driverPageDeps(parts: WebParts): DriverPageDeps | undefined {
  const page = parts.config.driverPage;
  if (!page) return undefined;
  return {
    ledger: parts.ledger,
    readers: stripeReaders(parts.stripe),
    livemode: parts.config.stripe.livemode,
    now: parts.now,
    onJobRecorded: parts.onJobRecorded,
    sites: parts.config.sites,
    mapping: parts.jobDeps.mapping,
    siteOfJob: pageSites(parts),
    operator: page.operator,
    limits: lookupLimits({
      perIdMs: 60_000,
      perAddress: page.lookupsPerAddress,
      windowMs: 60_000,
      maxEntries: 50_000,
    }),
    waitMs: page.waitMs,
    maxWaiting: 500,
    logger: parts.logger,
    metrics: parts.metrics,
  };
}

/** Each job's site for the driver's page: its name and contact (else the adapter's) and its clock. */
function pageSites(parts: WebParts): SiteOfJob | undefined {
  const router = parts.jobDeps.sites;
  if (!router) return undefined;
  const { byId } = parts.config.sites;
  return (job) => {
    // The router's site: the stored one (a legacy 'default' read as the default site's).
    const routed = router.forJob(job);
    if (!routed.ok) return undefined;
    const site = byId.get(routed.siteId);
    return { name: site?.name, support: site?.support, mapping: routed.services.mapping };
  };
}
