import type { MappingOptions } from '../domain/mapSession';
import type { Job } from '../store/ledger';
import type { AnswerDeps } from './driverAnswer';

/** What the page shows of a job's site: its name for the driver, its clock and zones. */
export interface PageSite {
  /** undefined: OPERATOR_NAME. */
  name: string | undefined;
  mapping: MappingOptions;
}

/** A job's site for its page; undefined: the adapter's own name and OPSCOM_TIMEZONE. */
export type SiteOfJob = (job: Job) => PageSite | undefined;

/**
 * The answer's parts for this job: its site's name and timezone (a driver of one site never
 * sees another's name or clock). Without sites, or a job of no site, `deps` as they are.
 */
export function answerFor(
  deps: AnswerDeps & { siteOfJob?: SiteOfJob | undefined },
  job: Job,
): AnswerDeps {
  const site = deps.siteOfJob?.(job);
  if (!site) return deps;
  return {
    now: deps.now,
    mapping: site.mapping,
    operator: { ...deps.operator, name: site.name ?? deps.operator.name },
  };
}
