import type { Config } from '../config';
import { siteOfJob } from '../sites/jobSite';
import { httpPoster, type Poster } from '../net/httpPost';
import { createPlateValidationClient } from '../opscom/plateValidation';
import type { Site } from '../sites/site';
import type { SiteCheck, SiteChecks, VerifyDeps } from './verifyRound';

type OpscomAccess = Pick<Site['opscom'], 'apiToken' | 'client' | 'timezone' | 'validateUrl'>;

/**
 * What checking a permit needs from the configuration, built once for the verification loop
 * (adapter.ts) and for `replay --check-now` alike, so both ask OPSCOM and judge the same way.
 * `validation` and `timezone` are the default site's; `siteChecks` gives each job's own site's.
 * Each site is asked at its `validateUrl`, else at OPSCOM_VALIDATE_URL.
 */
export function verifyServices(
  config: Config,
  verify: NonNullable<Config['verify']>,
): Pick<VerifyDeps, 'validation' | 'timezone' | 'delayMs' | 'everyMs' | 'siteChecks'> {
  const posterFor = validationPosters();
  const checkOf = (opscom: OpscomAccess): SiteCheck => {
    const url = opscom.validateUrl ?? config.opscom.validateUrl;
    return {
      validation: createPlateValidationClient({
        url,
        apiToken: opscom.apiToken,
        client: opscom.client,
        timeoutMs: config.opscom.timeoutMs,
        poster: posterFor(url),
      }),
      timezone: opscom.timezone,
    };
  };
  // The default site's (config.opscom is drawn from it), with its own endpoint if it names one.
  const main = config.sites.byId.get(config.sites.defaultId ?? '') ?? config.sites.list[0];
  return {
    ...checkOf({ ...config.opscom, validateUrl: main?.opscom.validateUrl }),
    siteChecks: siteChecksOf(config, (site) => ({ ...checkOf(site.opscom), site: site.id })),
    delayMs: verify.delayMs,
    everyMs: verify.everyMs,
  };
}

/**
 * One pool of connections per origin: OPSCOM's one endpoint serves every client code, so
 * sites that share it (the usual case) share its connections, however many they are; a site
 * with an endpoint of its own has its own.
 */
export function validationPosters(): (url: URL) => Poster {
  const pools = new Map<string, Poster>();
  return (url) => {
    let poster = pools.get(url.origin);
    if (!poster)
      pools.set(url.origin, (poster = httpPoster(new URL(url.origin), 'application/json')));
    return poster;
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
