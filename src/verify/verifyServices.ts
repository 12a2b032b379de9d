import type { Config } from '../config';
import { siteOfJob } from '../sites/jobSite';
import { httpPoster } from '../net/httpPost';
import { createPlateValidationClient } from '../opscom/plateValidation';
import type { Site } from '../sites/site';
import type { SiteCheck, SiteChecks, VerifyDeps } from './verifyRound';

type OpscomAccess = Pick<Site['opscom'], 'apiToken' | 'client' | 'timezone'>;

/**
 * What checking a permit needs from the configuration, built once for the verification loop
 * (adapter.ts) and for `replay --check-now` alike, so both ask OPSCOM and judge the same way.
 * `validation` and `timezone` are the default site's; `siteChecks` gives each job's own site's.
 */
export function verifyServices(
  config: Config,
  verify: NonNullable<Config['verify']>,
): Pick<VerifyDeps, 'validation' | 'timezone' | 'delayMs' | 'everyMs' | 'siteChecks'> {
  const url = config.opscom.validateUrl;
  // OPSCOM_VALIDATE_URL is one endpoint for every client code: one pool of connections to it.
  const poster = httpPoster(new URL(url.origin), 'application/json');
  const checkOf = (opscom: OpscomAccess): SiteCheck => ({
    validation: createPlateValidationClient({
      url,
      apiToken: opscom.apiToken,
      client: opscom.client,
      timeoutMs: config.opscom.timeoutMs,
      poster,
    }),
    timezone: opscom.timezone,
  });
  return {
    ...checkOf(config.opscom),
    siteChecks: siteChecksOf(config, (site) => ({ ...checkOf(site.opscom), site: site.id })),
    delayMs: verify.delayMs,
    everyMs: verify.everyMs,
  };
}

/**
 * Each job's site's check, made on first use (a thousand sites need not all have permits). As
 * the worker's router: the stored site decides; none stored is decided again from the payment;
 * 'default' (jobs from before the sites file) is the default site unless a site has that id.
 */
function siteChecksOf(config: Config, checkOf: (site: Site) => SiteCheck): SiteChecks {
  const { sites } = config;
  const made = new Map<string, SiteCheck>();
  return (job) => {
    const decided = siteOfJob(job, sites);
    if (!decided.ok) return undefined;
    const site = sites.byId.get(decided.siteId);
    if (!site) return undefined;
    let check = made.get(site.id);
    if (!check) made.set(site.id, (check = checkOf(site)));
    return check;
  };
}
