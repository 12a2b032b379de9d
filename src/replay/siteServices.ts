import type { MappingOptions } from '../domain/mapSession';
import type { PermitPolicy } from '../domain/permitLife';
import type { Job } from '../store/ledger';
import type { ReplayJobDeps } from './replayJobDeps';

/**
 * The mapping and policy a job's site runs with (its clock, zones, refund rules), as the
 * worker will use them; the default site's without sites, or for a job of no site (the worker
 * then fails it, saying why).
 */
export function siteServicesOf(
  job: Pick<Job, 'site' | 'session'>,
  deps: Pick<ReplayJobDeps, 'sites' | 'mapping' | 'policy'>,
): { mapping: MappingOptions; policy: PermitPolicy } {
  const routed = deps.sites?.forJob(job);
  return routed?.ok ? routed.services : { mapping: deps.mapping, policy: deps.policy };
}
