import { readFileSync } from 'node:fs';
import type { PermitPolicy } from '../domain/permitLife';
import { ConfigError } from '../errors';
import { indexSites, type Site, type Sites } from './site';
import { SiteEntrySchema, SitesFileSchema, type SiteEntry } from './sitesFile';

/** What a site inherits from the environment when its entry leaves it out. */
export interface SiteDefaults {
  baseUrl: URL;
  client: string;
  policy: PermitPolicy;
}

// OPSCOM's API pages: apiToken is at most 50 letters, digits or dashes (as OPSCOM_API_TOKEN).
const TOKEN = /^[A-Za-z0-9-]{1,50}$/;

/**
 * Reads SITES_FILE and the variables it names, and reports every problem together, each
 * naming the site and field (`sites[2] "east": opscom.timezone …`), never a secret's value.
 */
export function loadSites(
  path: string,
  env: NodeJS.ProcessEnv,
  defaults: SiteDefaults,
  defaultSite: string | undefined,
): Sites {
  const entries = readEntries(path);
  const problems: string[] = [];
  const sites = entries.map((entry, i) => {
    const found: string[] = [];
    const site = toSite(entry, env, defaults, found);
    problems.push(...found.map((p) => `SITES_FILE sites[${i}] "${entry.id}": ${p}`));
    return site;
  });
  problems.push(...crossChecks(sites, defaultSite));
  if (problems.length > 0) throw new ConfigError(problems);
  return indexSites(sites, defaultSite);
}

/** The file's entries, each valid in itself; every problem of every entry reported at once. */
function readEntries(path: string): SiteEntry[] {
  const json = readJson(path);
  const frame = SitesFileSchema.safeParse(json);
  if (!frame.success) {
    throw new ConfigError(
      frame.error.issues.map(
        (issue) => `SITES_FILE ${issue.path.join('.') || path} ${issue.message}`,
      ),
    );
  }
  const problems: string[] = [];
  const entries = frame.data.sites.flatMap((raw, i) => {
    const entry = SiteEntrySchema.safeParse(raw);
    if (entry.success) return [entry.data];
    const id = (raw as { id?: unknown } | null)?.id;
    const named = typeof id === 'string' ? ` ${JSON.stringify(id.slice(0, 40))}` : '';
    for (const issue of entry.error.issues) {
      const field = issue.path.join('.');
      problems.push(
        `SITES_FILE sites[${i}]${named}: ${field === '' ? '' : `${field} `}${issue.message}`,
      );
    }
    return [];
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return entries;
}

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError([`SITES_FILE ${path} cannot be read (${code})`]);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ConfigError([`SITES_FILE ${path} is not JSON: ${(err as Error).message}`]);
  }
}

function toSite(
  entry: SiteEntry,
  env: NodeJS.ProcessEnv,
  defaults: SiteDefaults,
  problems: string[],
): Site {
  const { opscom } = entry;
  const token = env[opscom.tokenEnv]?.trim() ?? '';
  if (token === '') problems.push(`opscom.tokenEnv: ${opscom.tokenEnv} is not set`);
  else if (!TOKEN.test(token)) {
    problems.push(`opscom.tokenEnv: ${opscom.tokenEnv} must be 1–50 letters, digits or dashes`);
  }
  if (opscom.zone !== undefined && opscom.zones && !opscom.zones.includes(opscom.zone)) {
    problems.push(`opscom.zone "${opscom.zone}" is not one of opscom.zones`);
  }
  return {
    id: entry.id,
    name: entry.name,
    support: entry.support,
    stripeAccount: entry.stripeAccount,
    opscom: {
      baseUrl: opscom.baseUrl === undefined ? defaults.baseUrl : new URL(opscom.baseUrl),
      validateUrl: opscom.validateUrl === undefined ? undefined : new URL(opscom.validateUrl),
      client: opscom.client ?? defaults.client,
      apiToken: token,
      tokenEnv: opscom.tokenEnv,
      timezone: opscom.timezone,
      defaultZone: opscom.zone,
      zones: opscom.zones,
    },
    policy: {
      onFullRefund: entry.onFullRefund ?? defaults.policy.onFullRefund,
      onPartialRefund: entry.onPartialRefund ?? defaults.policy.onPartialRefund,
      onDispute: entry.onDispute ?? defaults.policy.onDispute,
    },
    alertWebhookUrl: alertUrl(entry.alertWebhookUrlEnv, env, problems),
  };
}

function alertUrl(
  name: string | undefined,
  env: NodeJS.ProcessEnv,
  problems: string[],
): URL | undefined {
  if (name === undefined) return undefined;
  const value = env[name]?.trim() ?? '';
  if (value === '') {
    problems.push(`alertWebhookUrlEnv: ${name} is not set`);
    return undefined;
  }
  try {
    return new URL(value);
  } catch {
    problems.push(`alertWebhookUrlEnv: ${name} must be a URL such as https://host`);
    return undefined;
  }
}

function crossChecks(sites: readonly Site[], defaultSite: string | undefined): string[] {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const site of sites) {
    if (seen.has(`id:${site.id}`)) problems.push(`SITES_FILE has two sites with id "${site.id}"`);
    seen.set(`id:${site.id}`, site.id);
    if (!site.stripeAccount) continue;
    const other = seen.get(`acct:${site.stripeAccount}`);
    if (other !== undefined) {
      problems.push(
        `SITES_FILE sites "${other}" and "${site.id}" have the same stripeAccount ${site.stripeAccount}`,
      );
    }
    seen.set(`acct:${site.stripeAccount}`, site.id);
  }
  if (defaultSite !== undefined && !sites.some((site) => site.id === defaultSite)) {
    problems.push(`DEFAULT_SITE "${defaultSite}" is not a site in SITES_FILE`);
  }
  return problems;
}
