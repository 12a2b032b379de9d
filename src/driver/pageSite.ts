import type { MappingOptions } from '../domain/mapSession';
import type { Sites } from '../sites/site';
import type { Job } from '../store/ledger';
import type { AnswerDeps } from './driverAnswer';
import type { Operator } from './pageHtml';

/** What the page shows of a job's site: its name and contact for the driver, its clock and zones. */
export interface PageSite {
  /** undefined: OPERATOR_NAME. */
  name: string | undefined;
  /** undefined: SUPPORT_CONTACT. */
  support: string | undefined;
  mapping: MappingOptions;
}

/** A job's site for its page; undefined: the adapter's own name and OPSCOM_TIMEZONE. */
export type SiteOfJob = (job: Job) => PageSite | undefined;

/** The page's deps that know the sites: each job's (name, clock) and the configured ones. */
export interface SiteAnswerDeps extends AnswerDeps {
  siteOfJob?: SiteOfJob | undefined;
  /** The configured sites: the one a success URL names (`?site=`), for pages with no job. */
  sites?: Sites | undefined;
}

/**
 * The answer's parts for this job: its site's name, support contact and timezone (a driver of
 * one site never sees another's name, number or clock). Without sites, or a job of no site,
 * `deps` as they are.
 */
export function answerFor(deps: SiteAnswerDeps, job: Job): AnswerDeps {
  const site = deps.siteOfJob?.(job);
  if (!site) return deps;
  return {
    now: deps.now,
    mapping: site.mapping,
    operator: operatorOf(deps.operator, site.name, site.support),
  };
}

/**
 * A page with no job (not found, wait, Stripe unreachable): the name and support contact of
 * the configured site the success URL names (`?site=north`); anything else, the adapter's own.
 */
export function answerForHint(deps: SiteAnswerDeps, hint: unknown): AnswerDeps {
  const site = typeof hint === 'string' ? deps.sites?.byId.get(hint) : undefined;
  if (!site) return deps;
  return {
    now: deps.now,
    mapping: deps.mapping,
    operator: operatorOf(deps.operator, site.name, site.support),
  };
}

function operatorOf(
  adapter: Operator,
  name: string | undefined,
  support: string | undefined,
): Operator {
  return { name: name ?? adapter.name, support: support ?? adapter.support };
}
